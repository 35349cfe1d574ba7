package main

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"time"
)

// Scenario kinds.
const (
	kindWrk   = "wrk"
	kindLogin = "login"
)

// scenario is one thing measured in every round.
type scenario struct {
	name          string
	label         string
	kind          string
	site          string
	authenticated bool
	bearer        bool // authenticated with a native app's bearer token, not a cookie
	status        int
}

// allScenarios in report order; plain is the baseline of every ratio.
var allScenarios = []scenario{
	{name: "plain", label: "plain Caddy reverse_proxy", kind: kindWrk, site: "plain", status: http.StatusOK},
	{name: "headers", label: "plain + the 4 identity headers", kind: kindWrk, site: "headers", status: http.StatusOK},
	{name: "memory", label: "kakaogate, memory store", kind: kindWrk, site: "memory", authenticated: true, status: http.StatusOK},
	{name: "redis", label: "kakaogate, Redis store", kind: kindWrk, site: "redis", authenticated: true, status: http.StatusOK},
	{name: "nocache", label: "kakaogate, Redis, cache off", kind: kindWrk, site: "nocache", authenticated: true, status: http.StatusOK},
	{name: "idle", label: "kakaogate, Redis, idle_timeout 30m", kind: kindWrk, site: "idle", authenticated: true, status: http.StatusOK},
	{name: "bearer", label: "kakaogate, cached bearer token", kind: kindWrk, site: "bearer", authenticated: true, bearer: true, status: http.StatusOK},
	{name: "unauth", label: "no session → 401", kind: kindWrk, site: "redis", status: http.StatusUnauthorized},
	{name: "login", label: "full login (4 requests)", kind: kindLogin, site: "redis"},
	{name: "nginx", label: "nginx proxy_pass alone", kind: kindWrk, site: siteNginx, status: http.StatusOK},
	{name: "nginxauth", label: "nginx auth_request → verify", kind: kindWrk, site: siteNginxAuth, authenticated: true, status: http.StatusOK},
}

func selectScenarios(only string) ([]scenario, error) {
	if only == "" {
		return allScenarios, nil
	}
	want := strings.Split(only, ",")
	if !slices.Contains(want, "plain") {
		want = append(want, "plain") // every ratio is to plain Caddy
	}
	var out []scenario
	for _, sc := range allScenarios {
		if slices.Contains(want, sc.name) {
			out = append(out, sc)
		}
	}
	if len(out) != len(want) {
		return nil, fmt.Errorf("-only %q: known scenarios are plain, headers, memory, redis, nocache, bearer, unauth, login, nginx, nginxauth", only)
	}
	return out, nil
}

// sample is one scenario's measurement in one round.
type sample struct {
	rps      float64
	p50, p99 time.Duration
	requests int64
	non2xx   int64 // wrk: answers other than 2xx/3xx
	errors   int64 // socket errors, or failed logins
	// cpu is the CPU time each process spent during the run, by name.
	cpu map[string]time.Duration
	// wrkCPU is the CPU time wrk used.
	wrkCPU time.Duration
	// ref is plain Caddy around this run: the mean of the plain runs right before and
	// after it (rps and p99 only); nil for plain Caddy itself.
	ref *sample
	// foreign is the share of the machine's CPU time (all CPUs) that processes other than
	// the benchmark's used during the run: other work on the machine skews the figures.
	foreign float64
}

// results are every sample, by scenario name, in round order.
type results struct {
	scenarios []scenario
	samples   map[string][]sample
	redone    int // rounds run again because other processes took too much CPU
}

// measure runs a warm-up, then the rounds. In every round each scenario runs between two
// runs of plain Caddy, and its ratio to plain Caddy is taken against their mean (see
// runRound); each round starts one scenario later than the previous one, so no scenario
// always runs first (or right after the heaviest one).
func measure(ctx context.Context, o options, l *lab, scenarios []scenario) (*results, error) {
	res := &results{scenarios: scenarios, samples: map[string][]sample{}}
	if o.warmup > 0 {
		fmt.Printf("warming up (%s per scenario)…\n", o.warmup)
		for _, sc := range scenarios {
			if _, err := l.runScenario(ctx, o, sc, max(o.warmup, time.Second)); err != nil {
				return nil, fmt.Errorf("warm-up %s: %w", sc.name, err)
			}
		}
	}
	for r := range o.rounds {
		for attempt := 0; ; attempt++ {
			round, noisy, err := l.runRound(ctx, o, scenarios, r)
			if err != nil {
				return nil, err
			}
			if noisy <= o.maxForeign || attempt == o.retries {
				for name, ss := range round {
					res.samples[name] = append(res.samples[name], ss...)
				}
				break
			}
			res.redone++
			fmt.Printf("  other processes took %.0f%% of the CPUs: round redone after a pause\n", 100*noisy)
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(5 * time.Second):
			}
		}
	}
	return res, nil
}

// runRound runs every scenario once, starting with the r-th, each between two runs of plain
// Caddy: plain, A, plain, B, plain, … A scenario's sample keeps, as its reference (ref), the
// mean of the plain runs right before and after it, so its ratio to plain Caddy compares runs
// seconds apart and cancels the machine's drift over the round (other virtual machines on
// the host slow this one down for seconds at a time). It returns the samples by scenario and
// the largest share of the CPUs other processes took during a run.
func (l *lab) runRound(ctx context.Context, o options, scenarios []scenario, r int) (map[string][]sample, float64, error) {
	fmt.Printf("round %d/%d:", r+1, o.rounds)
	defer fmt.Println()
	var plain scenario
	var others []scenario
	for _, sc := range scenarios {
		if sc.name == "plain" {
			plain = sc
		} else {
			others = append(others, sc)
		}
	}
	round := map[string][]sample{}
	noisy := 0.0
	run := func(sc scenario, profile bool) (sample, error) {
		stopProfile := func() error { return nil }
		if profile && o.profileDir != "" && r == o.rounds-1 {
			stopProfile = l.startProfile(ctx, o, sc)
		}
		s, err := l.runScenario(ctx, o, sc, o.duration)
		if perr := stopProfile(); perr != nil && err == nil {
			err = perr
		}
		if err != nil {
			return s, fmt.Errorf("round %d, %s: %w", r+1, sc.name, err)
		}
		round[sc.name] = append(round[sc.name], s)
		noisy = max(noisy, s.foreign)
		fmt.Printf(" %s %.0f/s", sc.name, s.rps)
		if s.requests > 0 {
			fmt.Printf(" (%.0fµs)", float64(s.cpu["caddy"].Microseconds())/float64(s.requests))
		}
		return s, nil
	}
	before, err := run(plain, true)
	if err != nil {
		return nil, 0, err
	}
	for i := range others {
		sc := others[(r+i)%len(others)]
		if _, err := run(sc, true); err != nil {
			return nil, 0, err
		}
		after, err := run(plain, false)
		if err != nil {
			return nil, 0, err
		}
		ss := round[sc.name]
		ss[len(ss)-1].ref = &sample{rps: (before.rps + after.rps) / 2, p99: (before.p99 + after.p99) / 2}
		before = after
	}
	return round, noisy, nil
}

// runScenario runs sc once for d and records the CPU every process used meanwhile.
func (l *lab) runScenario(ctx context.Context, o options, sc scenario, d time.Duration) (sample, error) {
	before, busy, start := l.cpuTimes(), machineBusy(), time.Now()
	var s sample
	var err error
	switch sc.kind {
	case kindWrk:
		s, err = runWrk(ctx, l.url(sc.site)+"/", l.headers(sc), o.connections, d)
		if err == nil {
			err = checkAnswers(sc, s)
		}
	case kindLogin:
		s, err = l.logins.run(ctx, d)
	}
	if err != nil {
		return s, err
	}
	after, busyAfter, elapsed := l.cpuTimes(), machineBusy(), time.Since(start)
	s.cpu = map[string]time.Duration{}
	ours := s.wrkCPU
	for k, v := range after {
		s.cpu[k] = v - before[k]
		ours += s.cpu[k]
	}
	s.foreign = max(0, float64(busyAfter-busy-ours)/float64(elapsed*time.Duration(runtime.NumCPU())))
	return s, nil
}

// checkAnswers fails a run whose answers were not what the scenario expects: a gateway
// answering 503 or 401 to authenticated requests would look fast and mean nothing.
func checkAnswers(sc scenario, s sample) error {
	switch {
	case s.errors > 0:
		return fmt.Errorf("%d socket errors", s.errors)
	case sc.status == http.StatusOK && s.non2xx > 0:
		return fmt.Errorf("%d of %d answers were not 2xx/3xx", s.non2xx, s.requests)
	case sc.status != http.StatusOK && s.non2xx != s.requests:
		return fmt.Errorf("only %d of %d answers were errors, want all %d", s.non2xx, s.requests, sc.status)
	}
	return nil
}

// cpuTimes returns the CPU time used so far by the servers and by this process (the login
// client and the emulator).
func (l *lab) cpuTimes() map[string]time.Duration {
	caddy := l.caddy.cpuTime()
	if l.baseline != nil {
		caddy += l.baseline.cpuTime() // the one not under load adds next to nothing
	}
	times := map[string]time.Duration{
		"caddy":    caddy,
		"redis":    l.redis.cpuTime(),
		"upstream": l.upstream.cpuTime(),
		"client":   selfCPU(),
	}
	if l.nginx != nil {
		times["nginx"] = l.nginx.cpuTime()
	}
	return times
}

// Command bench is kakaogate's load benchmark (`make bench`). It builds the Caddy binary,
// starts a tiny upstream, a throwaway redis-server and the Kakao emulator, logs test users in,
// and then measures, interleaved in rounds on this machine (each scenario between two runs of
// plain Caddy, its ratio taken against them): plain Caddy reverse_proxy,
// kakaogate with the memory store, kakaogate with the Redis store, a native app's cached
// bearer token (memory store), an unauthenticated request answered 401, the full login
// flow (authorize → callback → first page), and forward auth: nginx auth_request asking
// kakaogate's /.auth/verify against nginx alone. The request
// scenarios are driven by wrk with fixed connections and duration; logins by a Go client that
// follows the redirects like a browser. It prints requests/s, p50 and p99 for each scenario,
// the ratios to plain Caddy (with a 95% confidence interval of each median) and the CPU each
// process spent per request, and ends with the
// line ratio_redis_vs_plain=<x.xx>.
//
// With -cpus split (the default on a machine with two or more CPUs) the servers (Caddy, the
// upstream and Redis) run on CPU 0 and the load generators (wrk, the login client and the
// emulator, which stands for Kakao's servers) on CPU 1, so the client never steals the
// server's CPU; -cpus shared lets everything float.
//
// It is a benchmark, not a test: nothing here runs in CI.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// options are the command-line settings.
type options struct {
	rounds       int
	duration     time.Duration
	warmup       time.Duration
	connections  int
	loginWorkers int
	cpus         string
	only         string
	caddyBin     string
	baseline     string
	keep         bool
	plainCookie  bool
	profileDir   string
	maxForeign   float64
	retries      int
}

func main() {
	var o options
	flag.IntVar(&o.rounds, "rounds", 9, "rounds; each round runs every scenario once")
	flag.DurationVar(&o.duration, "duration", 4*time.Second, "duration of one scenario in one round")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "warm-up per scenario before the first round")
	flag.IntVar(&o.connections, "connections", 32, "wrk connections (one wrk thread)")
	flag.IntVar(&o.loginWorkers, "login-workers", 16, "concurrent browsers in the login scenario")
	flag.StringVar(&o.cpus, "cpus", "split", "split: servers on CPU 0, load generators on CPU 1; shared: no pinning")
	flag.StringVar(&o.only, "only", "", "comma-separated scenarios to run (default: all): plain,headers,memory,redis,nocache,idle,bearer,unauth,login,nginx,nginxauth")
	flag.StringVar(&o.caddyBin, "caddy", "", "use this Caddy binary instead of building ./cmd/caddy")
	flag.StringVar(&o.baseline, "baseline", "", "also measure this older Caddy binary's gateways in the same rounds (before/after a change); its scenarios end in -baseline")
	flag.BoolVar(&o.plainCookie, "plain-cookie", true, "send plain Caddy the same session cookie as the gateways (byte-identical requests; it forwards the cookie upstream)")
	flag.StringVar(&o.profileDir, "profile", "", "write CPU profiles of the last round into this directory: Caddy's per scenario (from its admin API), and the benchmark's own (login client and emulator) during logins")
	flag.Float64Var(&o.maxForeign, "max-foreign", 0.10, "redo a round in which other processes took more than this share of all CPUs during a run")
	flag.IntVar(&o.retries, "retries", 3, "how often one round may be redone (-max-foreign)")
	flag.BoolVar(&o.keep, "keep", false, "after the run, keep everything running until interrupted (for pprof)")
	upstreamAddr := flag.String("serve-upstream", "", "internal: serve the tiny upstream on this address")
	flag.Parse()

	if *upstreamAddr != "" {
		if err := serveUpstream(*upstreamAddr); err != nil {
			fmt.Fprintln(os.Stderr, "upstream:", err)
			os.Exit(1)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	if o.rounds < 1 || o.duration < time.Second || o.connections < 1 || o.loginWorkers < 1 {
		return errors.New("rounds, connections and login-workers must be positive and duration at least 1s")
	}
	scenarios, err := selectScenarios(o.only)
	if err != nil {
		return err
	}
	if scenarios, err = withoutNginx(scenarios, o.only); err != nil {
		return err
	}
	if o.baseline != "" {
		scenarios = withBaseline(scenarios)
	}
	pin, err := newPinning(o.cpus)
	if err != nil {
		return err
	}
	if err := pin.self(); err != nil {
		return err
	}
	if pin.split {
		runtime.GOMAXPROCS(1)
	}
	for _, tool := range []string{"wrk", "redis-server"} {
		if err := need(tool); err != nil {
			return err
		}
	}
	dir, err := os.MkdirTemp("", "kakaogate-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	fmt.Println("preparing: building Caddy, starting Redis, the upstream, the emulator and Caddy…")
	lab, err := startLab(ctx, o, pin, dir, scenarios)
	if err != nil {
		return err
	}
	defer lab.close()
	if err := lab.prepare(ctx, scenarios); err != nil {
		return err
	}
	res, err := measure(ctx, o, lab, scenarios)
	if err != nil {
		return err
	}
	report(os.Stdout, o, pin, res)
	if o.keep {
		// The test user's session cookies go to a file, not the terminal.
		hdrs := filepath.Join(dir, "cookies")
		var cookies strings.Builder
		fmt.Printf("\nkept running (Ctrl-C ends): caddy admin/pprof http://%s/debug/pprof/", lab.adminAddr)
		for _, s := range lab.sites {
			fmt.Printf(", %s %s", s, lab.url(s))
			if c, ok := lab.cookies[s]; ok {
				fmt.Fprintf(&cookies, "%s %s\n", s, c)
			}
		}
		_ = os.WriteFile(hdrs, []byte(cookies.String()), 0o600)
		fmt.Printf("; session cookies (%s) in %s\n", sessionCookie, hdrs)
		<-ctx.Done()
	}
	return nil
}

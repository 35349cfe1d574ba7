package main

import (
	"strings"
	"testing"
	"time"
)

// TestReportEndsWithRatioLines: every gateway scenario measured between runs of plain Caddy
// gets its ratio_<name>_vs_plain line, taken against those runs (not against plain Caddy's
// median), the cached bearer token and forward auth included; a scenario without plain runs
// around it gets none.
func TestReportEndsWithRatioLines(t *testing.T) {
	run := func(rps float64) sample {
		return sample{rps: rps, p50: time.Millisecond, p99: 4 * time.Millisecond, requests: 1000}
	}
	// between: a run of rps between plain runs of plainRPS, as runRound records it.
	between := func(rps, plainRPS float64) sample {
		s := run(rps)
		s.ref = &sample{rps: plainRPS, p99: 4 * time.Millisecond}
		return s
	}
	res := &results{samples: map[string][]sample{
		"plain":     {run(1000), run(2000), run(1000), run(500)},
		"bearer":    {between(900, 1000), between(1900, 2000), between(460, 500)},
		"memory":    {between(800, 1000), between(1700, 2000), between(410, 500)},
		"redis":     {between(700, 1000), between(1500, 2000), between(360, 500)},
		"nginx":     {run(2000), run(2000), run(2000)},
		"nginxauth": {run(500), run(500), run(500)},
		"nocache":   {run(600)}, // no plain runs around it: no ratio
	}}
	for _, sc := range allScenarios {
		if _, ok := res.samples[sc.name]; ok {
			res.scenarios = append(res.scenarios, sc)
		}
	}
	var out strings.Builder
	report(&out, options{rounds: 3, duration: time.Second, connections: 1, maxForeign: 1}, pinning{note: "test"}, res)
	for _, want := range []string{
		"\nratio_bearer_vs_plain=0.92\n", "\nratio_memory_vs_plain=0.82\n", "\nratio_redis_vs_plain=0.72\n",
		"\np99_redis_vs_plain=1.00\n",
		"\nratio_nginxauth_vs_nginx=0.25\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the report lacks %q:\n%s", strings.TrimSpace(want), out.String())
		}
	}
	if !strings.Contains(out.String(), "0.92 (CI n/a; 0.90–0.95)") {
		t.Errorf("three runs get no confidence interval, only the range:\n%s", out.String())
	}
	if strings.Contains(out.String(), "ratio_nocache_vs_plain") {
		t.Errorf("a ratio without matching plain rounds:\n%s", out.String())
	}
}

// TestMedianCI: the interval's ends are the order statistics of the textbook rule (n/2 ±
// 1.96·√n/2, 1-based), whatever the order of the values.
func TestMedianCI(t *testing.T) {
	seq := func(n int) []float64 {
		v := make([]float64, n)
		for i := range v {
			v[i] = float64(n - i) // descending: medianCI sorts
		}
		return v
	}
	for _, tt := range []struct {
		n          int
		wantLo, hi float64
	}{
		{40, 14, 27},
		{9, 2, 8},
		{3, 1, 3},
		{1, 1, 1},
	} {
		if lo, hi := medianCI(seq(tt.n)); lo != tt.wantLo || hi != tt.hi {
			t.Errorf("n=%d: CI = %v–%v, want %v–%v", tt.n, lo, hi, tt.wantLo, tt.hi)
		}
	}
}

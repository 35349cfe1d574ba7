package main

import (
	"strings"
	"testing"
	"time"
)

// TestReportEndsWithRatioLines: every gateway scenario measured with plain Caddy in the same
// rounds gets its ratio_<name>_vs_plain line, the cached bearer token and forward auth
// included; a scenario without plain rounds to compare with gets none.
func TestReportEndsWithRatioLines(t *testing.T) {
	round := func(rps float64) sample {
		return sample{rps: rps, p50: time.Millisecond, p99: 4 * time.Millisecond, requests: 1000}
	}
	res := &results{samples: map[string][]sample{
		"plain":     {round(1000), round(1000), round(1000)},
		"bearer":    {round(900), round(950), round(920)},
		"memory":    {round(800), round(850), round(820)},
		"redis":     {round(700), round(750), round(720)},
		"nginx":     {round(2000), round(2000), round(2000)},
		"nginxauth": {round(500), round(500), round(500)},
		"nocache":   {round(600)}, // not in every round: no ratio
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
		"\nratio_nginxauth_vs_nginx=0.25\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the report lacks %q:\n%s", strings.TrimSpace(want), out.String())
		}
	}
	if strings.Contains(out.String(), "ratio_nocache_vs_plain") {
		t.Errorf("a ratio without matching plain rounds:\n%s", out.String())
	}
}

package main

import (
	"testing"
	"time"
)

// wrkOutput is wrk 4.1's output with --latency for a run whose answers were all 401.
const wrkOutput = `Running 5s test @ http://127.0.0.1:41431/
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.12ms  412.10us  12.01ms   90.12%
    Req/Sec    25.10k     1.20k   27.00k    80.00%
  Latency Distribution
     50%    1.05ms
     75%    1.20ms
     90%    1.50ms
     99%  812.00us
  124987 requests in 5.00s, 30.12MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 124987
Requests/sec:  24997.40
Transfer/sec:      6.02MB
`

func TestParseWrk(t *testing.T) {
	s, err := parseWrk(wrkOutput)
	if err != nil {
		t.Fatal(err)
	}
	want := sample{rps: 24997.40, p50: 1050 * time.Microsecond, p99: 812 * time.Microsecond,
		requests: 124987, non2xx: 124987, errors: 3}
	if s.rps != want.rps || s.p50 != want.p50 || s.p99 != want.p99 || s.requests != want.requests ||
		s.non2xx != want.non2xx || s.errors != want.errors {
		t.Fatalf("parseWrk = %+v, want %+v", s, want)
	}
	if _, err := parseWrk("wrk: connection refused\n"); err == nil {
		t.Fatal("output without figures accepted")
	}
}

func TestParseWrkDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"812.00us": 812 * time.Microsecond, "2.91ms": 2910 * time.Microsecond,
		"1.02s": 1020 * time.Millisecond, "1.50m": 90 * time.Second,
	} {
		if got, err := parseWrkDuration(in); err != nil || got != want {
			t.Errorf("parseWrkDuration(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := parseWrkDuration("12"); err == nil {
		t.Error("a duration without a unit was accepted")
	}
}

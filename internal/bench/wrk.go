package main

import (
	"bufio"
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// runWrk runs wrk with one thread and the given connections against url for d, and parses
// its requests/s, p50, p99 and error counts.
func runWrk(ctx context.Context, url string, headers []string, connections int, d time.Duration) (sample, error) {
	args := []string{"-t1", "-c" + strconv.Itoa(connections), "-d" + strconv.Itoa(int(d/time.Second)) + "s", "--latency"}
	for _, h := range headers {
		args = append(args, "-H", h)
	}
	args = append(args, url)
	ctx, cancel := context.WithTimeout(ctx, d+30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "wrk", args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return sample{}, fmt.Errorf("wrk: %v\n%s", err, out)
	}
	s, err := parseWrk(string(out))
	if err != nil {
		return sample{}, fmt.Errorf("reading wrk's output: %w\n%s", err, out)
	}
	s.wrkCPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	return s, nil
}

// parseWrk reads wrk --latency output.
func parseWrk(out string) (sample, error) {
	var s sample
	var haveRPS, have50, have99 bool
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 2 && f[0] == "Requests/sec:":
			v, err := strconv.ParseFloat(f[1], 64)
			if err != nil {
				return s, err
			}
			s.rps, haveRPS = v, true
		case len(f) == 2 && f[0] == "50%":
			v, err := parseWrkDuration(f[1])
			if err != nil {
				return s, err
			}
			s.p50, have50 = v, true
		case len(f) == 2 && f[0] == "99%":
			v, err := parseWrkDuration(f[1])
			if err != nil {
				return s, err
			}
			s.p99, have99 = v, true
		case len(f) >= 4 && f[1] == "requests" && f[2] == "in":
			n, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil {
				return s, err
			}
			s.requests = n
		case len(f) == 5 && f[0] == "Non-2xx":
			n, err := strconv.ParseInt(f[4], 10, 64)
			if err != nil {
				return s, err
			}
			s.non2xx = n
		case len(f) >= 2 && f[0] == "Socket" && f[1] == "errors:":
			// Socket errors: connect 0, read 0, write 0, timeout 0
			for i := 3; i < len(f); i += 2 {
				n, _ := strconv.ParseInt(strings.TrimSuffix(f[i], ","), 10, 64)
				s.errors += n
			}
		}
	}
	if !haveRPS || !have50 || !have99 {
		return s, fmt.Errorf("no Requests/sec or latency distribution")
	}
	return s, nil
}

// parseWrkDuration reads wrk's durations: 812.00us, 2.91ms, 1.02s, 1.50m.
func parseWrkDuration(v string) (time.Duration, error) {
	units := []struct {
		suffix string
		unit   time.Duration
	}{{"us", time.Microsecond}, {"ms", time.Millisecond}, {"s", time.Second}, {"m", time.Minute}, {"h", time.Hour}}
	for _, u := range units {
		if n, ok := strings.CutSuffix(v, u.suffix); ok {
			f, err := strconv.ParseFloat(n, 64)
			if err != nil {
				return 0, fmt.Errorf("duration %q: %w", v, err)
			}
			return time.Duration(f * float64(u.unit)), nil
		}
	}
	return 0, fmt.Errorf("duration %q has no unit", v)
}

package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// report prints the medians over the rounds, the ratios to plain Caddy and the CPU cost per
// request, and ends with ratio_redis_vs_plain=<x.xx>.
func report(w io.Writer, o options, pin pinning, res *results) {
	fmt.Fprintf(w, "\nkakaogate load benchmark: %d rounds × %s per scenario, wrk -t1 -c%d, %d login browsers\n",
		o.rounds, o.duration, o.connections, o.loginWorkers)
	fmt.Fprintf(w, "machine: %s, %d CPUs, %s; %s\n", cpuModel(), runtime.NumCPU(), runtime.Version(), pin.note)
	fmt.Fprintln(w, "figures are medians over the runs; a ratio to plain Caddy is each run's against the plain runs right before and after it, median")
	if o.plainCookie {
		fmt.Fprintln(w, "plain Caddy gets the same requests as the gateways, session cookie included (-plain-cookie)")
	} else {
		fmt.Fprintln(w, "plain Caddy gets requests without the session cookie (-plain-cookie=false)")
	}
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\treq/s\tp50\tp99\treq/s vs plain (95% CI; range)\tp99 vs plain\tCPU µs/req: caddy\tredis\tupstream\tclient+emulator\tnginx\t")
	for _, sc := range res.scenarios {
		ss := res.samples[sc.name]
		unit := "req/s"
		if sc.kind == kindLogin {
			unit = "logins/s"
		}
		rpsRatio, p99Ratio := "", ""
		if ref, ok := refs(ss); sc.kind == kindWrk && ok {
			rpsRatio = ratioCell(ratios(ss, ref, rps))
			p99Ratio = fmt.Sprintf("%.2f", ratio(ss, ref, p99))
		}
		fmt.Fprintf(tw, "%s\t%.0f %s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", sc.label,
			median(ss, rps), unit,
			dur(median(ss, func(s sample) float64 { return float64(s.p50) })),
			dur(median(ss, p99)),
			rpsRatio, p99Ratio,
			cpuPer(ss, "caddy"), cpuPer(ss, "redis"), cpuPer(ss, "upstream"), cpuPer(ss, "client"), cpuPer(ss, "nginx"))
	}
	tw.Flush()
	var foreign []float64
	for _, ss := range res.samples {
		for _, s := range ss {
			foreign = append(foreign, s.foreign)
		}
	}
	if len(foreign) > 0 {
		slices.Sort(foreign)
		fmt.Fprintf(w, "\nother processes on the machine: median %.0f%%, worst %.0f%% of all CPUs during a run (%d noisy rounds redone)",
			100*medianOf(slices.Clone(foreign)), 100*foreign[len(foreign)-1], res.redone)
		if foreign[len(foreign)-1] > o.maxForeign {
			fmt.Fprint(w, " (busy machine: figures are noisy; rerun when it is quiet)")
		}
		fmt.Fprintln(w)
	}
	if ss, ok := res.samples["login"]; ok {
		fmt.Fprintf(w, "\nlogins: %s\n", loginLimit(ss, pin))
	}
	fmt.Fprintln(w)
	for _, name := range []string{"headers", "memory", "nocache", "idle", "bearer", "unauth"} {
		if ref, ok := refs(res.samples[name]); ok {
			fmt.Fprintf(w, "ratio_%s_vs_plain=%.2f\n", name, ratio(res.samples[name], ref, rps))
		}
	}
	for _, sc := range res.scenarios {
		if ref, ok := refs(res.samples[sc.name]); isBaseline(sc.name) && ok {
			fmt.Fprintf(w, "ratio_%s_vs_plain=%.2f\n", sc.name, ratio(res.samples[sc.name], ref, rps))
		}
	}
	if ss, ng := res.samples["nginxauth"], res.samples["nginx"]; len(ss) > 0 && len(ng) == len(ss) {
		fmt.Fprintf(w, "ratio_nginxauth_vs_nginx=%.2f\n", ratio(ss, ng, rps))
		fmt.Fprintf(w, "p99_nginxauth_vs_nginx=%.2f\n", ratio(ss, ng, p99))
	}
	if ref, ok := refs(res.samples["redis"]); ok {
		fmt.Fprintf(w, "p99_redis_vs_plain=%.2f\n", ratio(res.samples["redis"], ref, p99))
		fmt.Fprintf(w, "ratio_redis_vs_plain=%.2f\n", ratio(res.samples["redis"], ref, rps))
	}
}

// rps and p99 are the figures ratios compare.
func rps(s sample) float64 { return s.rps }
func p99(s sample) float64 { return float64(s.p99) }

// refs returns the plain Caddy reference of every sample of ss (see runRound), or false when
// ss is empty or a sample has none (plain Caddy's own).
func refs(ss []sample) ([]sample, bool) {
	if len(ss) == 0 {
		return nil, false
	}
	out := make([]sample, len(ss))
	for i, s := range ss {
		if s.ref == nil {
			return nil, false
		}
		out[i] = *s.ref
	}
	return out, true
}

// loginLimit says which process was busiest during the login runs.
func loginLimit(ss []sample, pin pinning) string {
	var total time.Duration
	for _, s := range ss {
		total += time.Duration(float64(time.Second) * float64(s.requests) / s.rps)
	}
	busy := map[string]float64{}
	for _, s := range ss {
		for k, v := range s.cpu {
			busy[k] += float64(v) / float64(total)
		}
	}
	parts := []string{}
	for _, k := range []string{"caddy", "redis", "upstream", "client"} {
		parts = append(parts, fmt.Sprintf("%s %.0f%%", k, 100*busy[k]))
	}
	where := "of one CPU"
	if pin.split {
		where = "of one CPU (caddy, redis and upstream share CPU " + serverCPU + "; client+emulator have CPU " + clientCPU + ")"
	}
	return "CPU busy during the login runs: " + strings.Join(parts, ", ") + " " + where
}

// median returns the median of f over ss.
func median(ss []sample, f func(sample) float64) float64 {
	if len(ss) == 0 {
		return 0
	}
	v := make([]float64, len(ss))
	for i, s := range ss {
		v[i] = f(s)
	}
	return medianOf(v)
}

func medianOf(v []float64) float64 {
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

// ratio is the median over runs of f(a[i])/f(b[i]): a run and its reference (the plain runs
// around it, or nginx alone in the same round).
func ratio(a, b []sample, f func(sample) float64) float64 {
	v := ratios(a, b, f)
	if len(v) == 0 {
		return 0
	}
	return medianOf(v)
}

// ratios are f(a[i])/f(b[i]) for every i where f(b[i]) is positive.
func ratios(a, b []sample, f func(sample) float64) []float64 {
	v := make([]float64, 0, len(a))
	for i := range a {
		if d := f(b[i]); d > 0 {
			v = append(v, f(a[i])/d)
		}
	}
	return v
}

// minCIRuns is the fewest runs medianCI's interval covers the median 95% of the time with
// (with 5 or fewer, even the whole range of the runs covers it less often).
const minCIRuns = 6

// medianCI is a 95% confidence interval of the median of the distribution v was drawn
// from: the order statistics n/2 ± 1.96·√n/2 of v (distribution-free, for independent runs;
// for 9 runs the 2nd and 8th smallest, for 40 the 14th and 27th). Meaningful from minCIRuns
// runs on; with fewer it is clamped to the range.
func medianCI(v []float64) (lo, hi float64) {
	n := len(v)
	if n == 0 {
		return 0, 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	half := 1.96 * math.Sqrt(float64(n)) / 2
	j := int(math.Round(float64(n)/2 - half)) // 1-based ranks
	k := int(math.Round(1 + float64(n)/2 + half))
	return s[min(max(j, 1), n)-1], s[min(max(k, 1), n)-1]
}

// ratioCell is the report's cell for the ratios v: their median, the median's confidence
// interval (from minCIRuns runs on) and their range.
func ratioCell(v []float64) string {
	if len(v) == 0 {
		return ""
	}
	ci := "CI n/a"
	if len(v) >= minCIRuns {
		lo, hi := medianCI(v)
		ci = fmt.Sprintf("%.2f–%.2f", lo, hi)
	}
	return fmt.Sprintf("%.2f (%s; %.2f–%.2f)", medianOf(slices.Clone(v)), ci, slices.Min(v), slices.Max(v))
}

// cpuPer is the CPU time process k spent per request (or login) over every round.
func cpuPer(ss []sample, k string) string {
	var cpu time.Duration
	var n int64
	for _, s := range ss {
		cpu += s.cpu[k]
		n += s.requests
	}
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f", float64(cpu.Microseconds())/float64(n))
}

// percentile returns the q-quantile of d (nearest rank).
func percentile(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	i := int(q*float64(len(s))+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}

func dur(ns float64) string {
	d := time.Duration(ns)
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2fs", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.0fµs", float64(d)/float64(time.Microsecond))
	}
}

// cpuModel is the first "model name" of /proc/cpuinfo.
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for l := range strings.Lines(string(b)) {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

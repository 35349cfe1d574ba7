package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// baselineSuffix marks the sites and scenarios served by the -baseline binary.
const baselineSuffix = "-baseline"

// isBaseline reports whether site (or a scenario name) belongs to the -baseline binary.
func isBaseline(site string) bool { return strings.HasSuffix(site, baselineSuffix) }

// storeSite is the site name without the baseline suffix: memory, redis, nocache, idle or bearer.
func storeSite(site string) string { return strings.TrimSuffix(site, baselineSuffix) }

// withBaseline adds, after the scenarios, a copy of every authenticated gateway scenario served
// by the -baseline binary: before and after a change measured in the same rounds, against the
// same plain Caddy, so the comparison does not depend on how busy the machine was on two runs.
func withBaseline(scenarios []scenario) []scenario {
	out := scenarios
	for _, sc := range scenarios {
		if sc.kind != kindWrk || !sc.authenticated || sc.bearer { // older binaries may lack bearer
			continue
		}
		b := sc
		b.name += baselineSuffix
		b.label += " (baseline binary)"
		b.site += baselineSuffix
		out = append(out, b)
	}
	return out
}

// startBaseline starts the -baseline binary as a second Caddy serving the baseline sites, on
// the servers' CPU like the first; it is idle while the other scenarios run.
func (l *lab) startBaseline(pin pinning, dir, bin, upstream, redisAddr string) error {
	var sites []string
	for _, s := range l.gateways() {
		if isBaseline(s) {
			sites = append(sites, s)
		}
	}
	if len(sites) == 0 {
		return nil
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	admin := "127.0.0.1:" + strconv.Itoa(port)
	var b strings.Builder
	fmt.Fprintf(&b, "{\n\tadmin %s\n\tpersist_config off\n\tauto_https off\n}\n\n", admin)
	for _, s := range sites {
		b.WriteString(l.gatewaySite(s, upstream, redisAddr))
	}
	home := filepath.Join(dir, "baseline")
	if err := os.MkdirAll(home, 0o700); err != nil {
		return err
	}
	cfg := filepath.Join(home, "Caddyfile")
	if err := os.WriteFile(cfg, []byte(b.String()), 0o600); err != nil {
		return err
	}
	if l.baseline, err = startProc("caddy"+baselineSuffix, pin.server(bin, "run", "--config", cfg, "--adapter", "caddyfile"),
		"HOME="+home, "XDG_DATA_HOME="+home, "XDG_CONFIG_HOME="+home); err != nil {
		return err
	}
	l.procs = append(l.procs, l.baseline)
	for _, s := range sites {
		if err := waitHTTP(l.baseline, l.url(s)+"/.auth/healthz"); err != nil {
			return fmt.Errorf("baseline binary: %w", err)
		}
	}
	return nil
}

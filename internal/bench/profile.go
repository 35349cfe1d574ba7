package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"time"
)

// startProfile starts CPU profiles for one run of sc: Caddy's through its admin API (for the
// run's duration) and, for logins, this process's (the login client and the emulator). The
// returned function waits for them and writes <dir>/<scenario>-caddy.pprof and
// <dir>/login-client.pprof.
func (l *lab) startProfile(ctx context.Context, o options, sc scenario) func() error {
	if err := os.MkdirAll(o.profileDir, 0o755); err != nil {
		return func() error { return err }
	}
	seconds := int(o.duration / time.Second)
	caddyDone := make(chan error, 1)
	go func() {
		caddyDone <- fetch(ctx, fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", l.adminAddr, seconds),
			filepath.Join(o.profileDir, sc.name+"-caddy.pprof"))
	}()
	var self *os.File
	if sc.kind == kindLogin {
		f, err := os.Create(filepath.Join(o.profileDir, "login-client.pprof"))
		if err == nil && pprof.StartCPUProfile(f) == nil {
			self = f
		}
	}
	return func() error {
		if self != nil {
			pprof.StopCPUProfile()
			self.Close()
		}
		return <-caddyDone
	}
}

// fetch saves the body of url into path.
func fetch(ctx context.Context, url, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := (&http.Client{Timeout: time.Minute}).Do(req)
	if err != nil {
		return fmt.Errorf("profiling caddy: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("profiling caddy: %s", resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(f, resp.Body)
	return err
}

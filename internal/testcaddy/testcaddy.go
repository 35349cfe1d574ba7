// Package testcaddy runs the real kakaogate Caddy binary (built from ./cmd/caddy) for
// end-to-end tests: each instance is a separate process on free loopback ports with its own
// Caddyfile, so tests can restart it, run several side by side and read its logs.
package testcaddy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Build compiles the Caddy binary with kakaogate into dir and returns its path.
func Build(dir string) (string, error) {
	bin := filepath.Join(dir, "caddy")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/kakaogate/kakaogate/cmd/caddy")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("building caddy: %v\n%s", err, out)
	}
	return bin, nil
}

// FreePort returns a loopback TCP port reserved for the test: free now, and handed to no
// other caller until the test ends, in this process or in another test process (a flock on
// a file named after the port, in the system's temp directory). It is chosen below the
// kernel's ephemeral range, so neither an outgoing connection nor a listener on port 0
// (httptest servers, redis-server) can take it between now and the moment Caddy binds it.
func FreePort(t testing.TB) int {
	t.Helper()
	dir := filepath.Join(os.TempDir(), "kakaogate-testports")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatalf("finding a free port: %v", err)
	}
	for range 200 {
		port := reservedLow + rand.IntN(reservedHigh-reservedLow)
		release, ok := reservePort(dir, port)
		if !ok {
			continue
		}
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			release()
			continue
		}
		l.Close()
		t.Cleanup(release)
		return port
	}
	t.Fatal("finding a free port: none of 200 tries was free")
	return 0
}

// The range FreePort chooses from: below Linux's default ephemeral range (32768-60999).
const reservedLow, reservedHigh = 20000, 32000

// reservePort takes the reservation of port unless another caller holds it.
func reservePort(dir string, port int) (release func(), ok bool) {
	f, err := os.OpenFile(filepath.Join(dir, strconv.Itoa(port)), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, false
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, false
	}
	return func() { f.Close() }, true // closing the file drops the lock
}

// Instance is one running Caddy process.
type Instance struct {
	t       testing.TB
	bin     string
	config  string
	ready   string
	mu      sync.Mutex
	cmd     *exec.Cmd
	done    chan struct{}
	logs    *syncBuffer
	stopped bool
}

// Start runs bin with caddyfile and waits until readyURL answers (any HTTP status). The
// process is stopped when the test ends.
func Start(t testing.TB, bin, caddyfile, readyURL string) *Instance {
	t.Helper()
	path := filepath.Join(t.TempDir(), "Caddyfile")
	if err := os.WriteFile(path, []byte(caddyfile), 0o600); err != nil {
		t.Fatal(err)
	}
	in := &Instance{t: t, bin: bin, config: path, ready: readyURL, logs: &syncBuffer{}}
	in.start(true)
	t.Cleanup(in.Stop)
	return in
}

// start runs the process and waits until it has logged that it serves its configuration
// and, with visit, until the ready URL answers.
func (in *Instance) start(visit bool) {
	in.t.Helper()
	logsFrom := in.logs.Len() // a restart's readiness is read from its own lines
	cmd := exec.Command(in.bin, "run", "--config", in.config, "--adapter", "caddyfile")
	cmd.Stdout = in.logs
	cmd.Stderr = in.logs
	cmd.Env = append(os.Environ(), "HOME="+filepath.Dir(in.config), "XDG_DATA_HOME="+filepath.Dir(in.config), "XDG_CONFIG_HOME="+filepath.Dir(in.config))
	if err := cmd.Start(); err != nil {
		in.t.Fatalf("starting caddy: %v", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	in.mu.Lock()
	in.cmd, in.done, in.stopped = cmd, done, false
	in.mu.Unlock()
	url := in.ready
	if !visit {
		url = ""
	}
	if err := waitReady(url, func() string { return in.logs.String()[logsFrom:] }, done, 30*time.Second); err != nil {
		in.Stop()
		in.t.Fatalf("caddy did not become ready: %v\n--- caddy log ---\n%s", err, in.Logs())
	}
}

// Restart stops the process and starts it again with the same configuration.
func (in *Instance) Restart() {
	in.t.Helper()
	in.Stop()
	in.start(true)
}

// RestartUnvisited starts a stopped or killed process again with the same configuration
// and data directory, and waits only until it logs that it serves its configuration: unlike
// Restart it sends the process no request, so what it does happens without traffic.
func (in *Instance) RestartUnvisited() {
	in.t.Helper()
	in.Stop()
	in.start(false)
}

// Stop ends the process (SIGTERM, then SIGKILL after 10 s). It is safe to call twice.
func (in *Instance) Stop() {
	in.mu.Lock()
	cmd, done, stopped := in.cmd, in.done, in.stopped
	in.stopped = true
	in.mu.Unlock()
	if stopped || cmd == nil || cmd.Process == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// Kill ends the process at once with SIGKILL, as a crash would: nothing of its shutdown runs.
// Restart starts it again with the same configuration and data directory. It is safe to call
// on a stopped process.
func (in *Instance) Kill() {
	in.mu.Lock()
	cmd, done, stopped := in.cmd, in.done, in.stopped
	in.stopped = true
	in.mu.Unlock()
	if stopped || cmd == nil || cmd.Process == nil {
		return
	}
	_ = cmd.Process.Kill()
	<-done
}

// DataDir is the process's XDG_DATA_HOME: Caddy's data directory is its caddy subdirectory.
func (in *Instance) DataDir() string { return filepath.Dir(in.config) }

// Logs returns everything the process has written so far.
func (in *Instance) Logs() string { return in.logs.String() }

// LogsSoon reports whether the log shows text within two seconds: a line written while a
// response is served may reach the log just after the response.
func (in *Instance) LogsSoon(text string) bool {
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if strings.Contains(in.Logs(), text) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

// servingMarker is what Caddy logs once it has loaded the configuration, its listeners
// bound: before it, an answer on the ready URL may come from another process.
const servingMarker = `"serving initial configuration"`

// waitReady waits until the process has served its configuration and url, unless empty,
// answers (any HTTP status), and fails if the process exits first.
func waitReady(url string, logs func() string, exited <-chan struct{}, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	client := &http.Client{Timeout: time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for {
		err := errors.New("caddy has not logged that it serves its configuration")
		if served := strings.Contains(logs(), servingMarker); served && url == "" {
			return nil
		} else if served {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			var resp *http.Response
			if resp, err = client.Do(req); err == nil {
				resp.Body.Close()
				return nil
			}
		}
		select {
		case <-exited:
			return fmt.Errorf("process exited")
		case <-ctx.Done():
			return fmt.Errorf("%s not ready within %s: %v", url, limit, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Run runs the binary with args (e.g. validate) and returns its combined output and error.
func Run(bin string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	return string(out), err
}

// WriteFile writes content into a new file in the test's temp dir and returns its path.
func WriteFile(t testing.TB, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(strings.TrimSpace(content)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// Len returns how many bytes were written so far.
func (b *syncBuffer) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Len()
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Server-side and client-side CPUs with -cpus split.
const (
	serverCPU = "0"
	clientCPU = "1"
)

// pinning places processes on CPUs.
type pinning struct {
	split bool
	note  string
}

func newPinning(mode string) (pinning, error) {
	switch mode {
	case "shared":
		return pinning{note: "no pinning: servers and load generators share every CPU"}, nil
	case "split":
		if runtime.NumCPU() < 2 {
			return pinning{note: "one CPU only: no pinning"}, nil
		}
		if _, err := exec.LookPath("taskset"); err != nil {
			return pinning{}, errors.New("-cpus split needs taskset (util-linux); use -cpus shared without it")
		}
		return pinning{split: true, note: "servers (Caddy, upstream, Redis) on CPU " + serverCPU +
			"; load generators (wrk, login client, emulator) on CPU " + clientCPU}, nil
	default:
		return pinning{}, fmt.Errorf("-cpus %q: want split or shared", mode)
	}
}

// self moves every thread of this process (the login client and the emulator) to the
// client CPU; threads started later inherit it, and so do the processes it starts.
func (p pinning) self() error {
	if !p.split {
		return nil
	}
	out, err := exec.Command("taskset", "-a", "-p", "-c", clientCPU, strconv.Itoa(os.Getpid())).CombinedOutput()
	if err != nil {
		return fmt.Errorf("pinning the benchmark to CPU %s: %v: %s", clientCPU, err, out)
	}
	return nil
}

// server returns the command line that runs name with args on the server CPU.
func (p pinning) server(name string, args ...string) []string {
	if !p.split {
		return append([]string{name}, args...)
	}
	return append([]string{"taskset", "-c", serverCPU, name}, args...)
}

// need checks that tool is on PATH.
func need(tool string) error {
	if _, err := exec.LookPath(tool); err != nil {
		return fmt.Errorf("%s is not installed: run ./scripts/bench (which installs it from the distribution's packages as root) or install it yourself", tool)
	}
	return nil
}

// proc is a child process the benchmark started; it is killed at the end.
type proc struct {
	name string
	cmd  *exec.Cmd
	out  *tailBuffer
	done chan struct{}
}

func startProc(name string, argv []string, env ...string) (*proc, error) {
	cmd := exec.Command(argv[0], argv[1:]...)
	out := &tailBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	p := &proc{name: name, cmd: cmd, out: out, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(p.done) }()
	return p, nil
}

func (p *proc) pid() int { return p.cmd.Process.Pid }

// stop ends the process: SIGTERM, then SIGKILL after 5 s.
func (p *proc) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// cpuTime returns the CPU time (user + system) the process has used so far.
func (p *proc) cpuTime() time.Duration { return procCPU(p.pid()) }

// procCPU reads utime+stime of pid from /proc (USER_HZ is 100 on Linux).
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+1:]
	}
	f := strings.Fields(s)
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond
}

// machineBusy returns the CPU time the whole machine (all CPUs) has spent so far outside
// idle, from /proc/stat: user, nice, system, irq and softirq (the kernel charges much of the
// loopback network's softirq work to the processes' own system time too, so on a quiet
// machine the benchmark's processes add up to about this).
func machineBusy() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 8 || f[0] != "cpu" {
		return 0
	}
	var ticks int64
	for i, v := range f[1:8] { // user nice system idle iowait irq softirq
		if i == 3 || i == 4 {
			continue // idle, iowait
		}
		n, _ := strconv.ParseInt(v, 10, 64)
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond
}

// selfCPU is this process's CPU time (the login client and the emulator).
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// freePort returns a loopback port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// buildCaddy compiles ./cmd/caddy into dir.
func buildCaddy(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "caddy")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/kakaogate/kakaogate/cmd/caddy")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building caddy: %v\n%s", err, out)
	}
	return bin, nil
}

// startRedis runs a throwaway redis-server without persistence on a free port.
func startRedis(pin pinning, dir string) (*proc, string, error) {
	port, err := freePort()
	if err != nil {
		return nil, "", err
	}
	p, err := startProc("redis-server", pin.server("redis-server", "--port", strconv.Itoa(port),
		"--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir))
	if err != nil {
		return nil, "", err
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	if err := waitFor(p, 10*time.Second, func() error { return redisPing(addr) }); err != nil {
		p.stop()
		return nil, "", err
	}
	return p, addr, nil
}

func redisPing(addr string) error {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if strings.TrimSpace(line) != "+PONG" {
		return fmt.Errorf("PING answered %q", line)
	}
	return nil
}

// waitHTTP waits until url answers any HTTP status.
func waitHTTP(p *proc, url string) error {
	client := &http.Client{Timeout: time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return waitFor(p, 30*time.Second, func() error {
		resp, err := client.Get(url)
		if err != nil {
			return err
		}
		resp.Body.Close()
		return nil
	})
}

// waitFor polls check until it succeeds, p exits or limit passes.
func waitFor(p *proc, limit time.Duration, check func() error) error {
	deadline := time.Now().Add(limit)
	for {
		err := check()
		if err == nil {
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("%s exited:\n%s", p.name, p.out.String())
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after %s: %v\n%s", p.name, limit, err, p.out.String())
		}
	}
}

// tailBuffer keeps the first 64 KiB a process writes, to explain a failure.
type tailBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len() < 64<<10 {
		b.buf.Write(p)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

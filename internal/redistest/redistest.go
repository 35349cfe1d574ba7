// Package redistest runs throwaway redis-server processes for tests: each on a
// free loopback port, with no persistence, stopped when the test ends. It only
// ever stops servers it started; a Redis already running on the machine is
// never touched. Start runs one server, StartCluster (StartClusterTLS) a Redis
// Cluster, StartSentinel a master, a replica and three Sentinels (optionally with
// passwords and TLS, see NewTLSFiles).
//
// When redis-server is not on PATH and the test runs as root on a machine with
// apt-get, Start installs Debian's redis-server package (once, serialized
// across parallel test binaries with a lock file). If Redis is still missing
// the test is skipped, unless KAKAOGATE_REQUIRE_REDIS=1, which makes it fail.
package redistest

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// RequireEnv is the environment variable that turns a missing redis-server
// into a test failure instead of a skip (CI sets it).
const RequireEnv = "KAKAOGATE_REQUIRE_REDIS"

const (
	startTimeout = 10 * time.Second // until PING answers
	stopTimeout  = 5 * time.Second  // SIGTERM grace before SIGKILL
	portAttempts = 5                // fresh ports tried when one is taken meanwhile
)

// Server is a redis-server process started by Start.
type Server struct {
	t    testing.TB
	bin  string
	dir  string
	port int
	args []string  // more redis-server arguments (cluster mode)
	conf string    // a config file given first, with --sentinel (a Sentinel); else none
	auth []string  // AUTH arguments ([user] password) when the server requires them
	tls  *TLSFiles // when set, the server speaks TLS only

	mu   sync.Mutex
	cmd  *exec.Cmd
	exit chan struct{} // closed when cmd has exited
}

// Start starts a throwaway redis-server on a free 127.0.0.1 port and returns
// once it answers PING. It is stopped in t.Cleanup.
func Start(t testing.TB) *Server {
	t.Helper()
	return startServer(t, serverSpec{})
}

// serverSpec is how startServer starts a server beyond the defaults.
type serverSpec struct {
	// args returns more arguments for a port, so that ports derived from it (the cluster
	// bus) are chosen afresh on every attempt.
	args func(port int) ([]string, error)
	// conf, when set, is a config file: the server runs as a Sentinel with it.
	conf string
	// auth are the AUTH arguments ([user] password) the server will require.
	auth []string
	// tls, when set, makes the server speak TLS only (the port is its tls-port), also to
	// its master and to other Sentinels.
	tls *TLSFiles
}

// startServer starts a server as spec says.
func startServer(t testing.TB, spec serverSpec) *Server {
	t.Helper()
	bin := lookup(t)
	s := &Server{t: t, bin: bin, dir: t.TempDir(), conf: spec.conf, auth: spec.auth, tls: spec.tls}
	args := spec.args
	t.Cleanup(s.Stop)
	var err error
	for range portAttempts {
		if s.port, err = freePort(); err != nil {
			break
		}
		if args != nil {
			if s.args, err = args(s.port); err != nil {
				break
			}
		}
		if err = s.start(); err == nil {
			return s
		}
	}
	t.Fatalf("redistest: %v", err)
	return nil
}

// Addr returns the server's host:port.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// Stop stops the server (SIGTERM, then SIGKILL after a grace period) and
// waits for it to exit. Its data is lost. Stopping a stopped server is a no-op.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	if resumeSignal != nil {
		_ = s.cmd.Process.Signal(resumeSignal) // a paused server would not act on SIGTERM
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exit:
	case <-time.After(stopTimeout):
		_ = s.cmd.Process.Kill()
		<-s.exit
	}
	s.cmd = nil
}

// Pause freezes the server (SIGSTOP): it keeps its port and its connections, accepts new
// ones, and answers nothing until Resume; Stop and the test's end resume it first. Where
// processes cannot be frozen the test is skipped.
func (s *Server) Pause() {
	s.t.Helper()
	if pauseSignal == nil {
		s.t.Skip("redistest: processes cannot be paused here")
	}
	s.signal(pauseSignal)
}

// Resume thaws a server Pause froze; on a running server it does nothing.
func (s *Server) Resume() {
	s.t.Helper()
	if resumeSignal != nil {
		s.signal(resumeSignal)
	}
}

func (s *Server) signal(sig os.Signal) {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		s.t.Fatal("redistest: signal to a stopped server")
	}
	if err := s.cmd.Process.Signal(sig); err != nil {
		s.t.Fatalf("redistest: %v to redis-server: %v", sig, err)
	}
}

// Kill ends the server at once with SIGKILL, as a crash would, and waits for it to exit.
// Killing a stopped server is a no-op.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.exit
	s.cmd = nil
}

// Start starts a stopped server again on the same port (empty: the server
// keeps no data). If it cannot start, the test is marked failed (with Errorf,
// so Start may be called from a subtest or a deferred call) and continues
// against a dead server.
func (s *Server) Start() {
	s.t.Helper()
	if err := s.start(); err != nil {
		s.t.Errorf("redistest: restart on port %d: %v", s.port, err)
	}
}

// Restart is Stop then Start.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	s.Start()
}

func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return errors.New("server already running")
	}
	var args []string
	if s.conf != "" {
		args = []string{s.conf, "--sentinel"}
	}
	if s.tls == nil {
		args = append(args, "--port", strconv.Itoa(s.port))
	} else {
		args = append(append(args, "--port", "0", "--tls-port", strconv.Itoa(s.port)), s.tls.serverArgs()...)
	}
	args = append(append(args,
		"--bind", "127.0.0.1",
		"--save", "",
		"--appendonly", "no",
		"--dir", s.dir,
	), s.args...)
	cmd := exec.Command(s.bin, args...)
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	setProcAttr(cmd)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", s.bin, err)
	}
	exit := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exit) }()

	deadline := time.Now().Add(startTimeout)
	for {
		// The port was free a moment ago; make sure it is our process that
		// answers, not one that grabbed the port meanwhile.
		if pid, err := probe(s.Addr(), s.clientTLS(), s.auth...); err == nil && pid == cmd.Process.Pid {
			s.cmd, s.exit = cmd, exit
			return nil
		}
		select {
		case <-exit:
			return fmt.Errorf("redis-server on port %d exited early:\n%s", s.port, out.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-exit
			return fmt.Errorf("redis-server on port %d did not answer PING within %v:\n%s", s.port, startTimeout, out.String())
		}
	}
}

// clientTLS returns the TLS configuration of a client of s, nil for plain TCP.
func (s *Server) clientTLS() *tls.Config {
	if s.tls == nil {
		return nil
	}
	return s.tls.Client
}

// probe sends PING (expecting +PONG) and INFO server, over TLS with tlsConf when set, after
// AUTH with auth when given, within a short deadline, and returns the process id of the
// server that answered.
func probe(addr string, tlsConf *tls.Config, auth ...string) (int, error) {
	d := &net.Dialer{Timeout: 200 * time.Millisecond}
	var c net.Conn
	var err error
	if tlsConf == nil {
		c, err = d.Dial("tcp", addr)
	} else {
		c, err = tls.DialWithDialer(d, "tcp", addr, tlsConf)
	}
	if err != nil {
		return 0, err
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Second))
	r := bufio.NewReader(c)
	if len(auth) > 0 {
		if err := authenticate(c, r, auth); err != nil {
			return 0, err
		}
	}
	if _, err := c.Write([]byte("PING\r\nINFO server\r\n")); err != nil {
		return 0, err
	}
	line, err := r.ReadString('\n')
	if err != nil {
		return 0, err
	}
	if strings.TrimSpace(line) != "+PONG" {
		return 0, fmt.Errorf("unexpected PING reply %q", line)
	}
	line, err = r.ReadString('\n')
	if err != nil {
		return 0, err
	}
	n, err := strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(line), "$"))
	if !strings.HasPrefix(line, "$") || err != nil || n < 0 || n > 1<<20 {
		return 0, fmt.Errorf("unexpected INFO reply %q", line)
	}
	info := make([]byte, n)
	if _, err := io.ReadFull(r, info); err != nil {
		return 0, err
	}
	for l := range strings.Lines(string(info)) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), "process_id:"); ok {
			return strconv.Atoi(v)
		}
	}
	return 0, errors.New("INFO reply has no process_id")
}

// authenticate sends AUTH with args (inline, so they must hold no spaces) and expects +OK.
func authenticate(c net.Conn, r *bufio.Reader, args []string) error {
	if _, err := c.Write([]byte("AUTH " + strings.Join(args, " ") + "\r\n")); err != nil {
		return err
	}
	line, err := r.ReadString('\n')
	if err != nil {
		return err
	}
	if strings.TrimSpace(line) != "+OK" {
		return fmt.Errorf("unexpected AUTH reply %q", line)
	}
	return nil
}

// freePort returns a loopback port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// syncBuffer collects the server's output for error messages.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len() > 64<<10 {
		return len(p), nil // enough to explain a failure
	}
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

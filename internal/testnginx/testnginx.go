// Package testnginx runs the real nginx for tests: each Server is its own process (no
// daemon, no master process) with a configuration the test writes, its prefix, pid file,
// logs and temporary directories in the test's temp dir, listening on loopback ports the
// test chose. It is stopped when the test ends; no nginx service is ever touched.
package testnginx

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// startTimeout bounds how long nginx may take to listen.
const startTimeout = 15 * time.Second

// Server is one running nginx.
type Server struct {
	t      testing.TB
	dir    string
	cmd    *exec.Cmd
	done   chan struct{}
	output *syncBuffer
	once   sync.Once
}

// Start runs nginx with http as the body of its http block (server blocks, upstreams, maps)
// and waits until 127.0.0.1:port, where one of its servers listens, accepts connections.
// The main context, temp paths, pid file and logs are set here. nginx is found on PATH or
// in /usr/sbin, installed when missing and permitted, else the test is skipped (failed
// under KAKAOGATE_REQUIRE_NGINX=1).
func Start(t testing.TB, port int, http string) *Server {
	t.Helper()
	bin := lookup(t)
	dir := t.TempDir()
	for _, sub := range []string{"logs", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	conf := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(conf, []byte(mainConfig(dir, http)), 0o600); err != nil {
		t.Fatal(err)
	}
	s := &Server{t: t, dir: dir, done: make(chan struct{}), output: &syncBuffer{}}
	s.cmd = exec.Command(bin, "-p", dir, "-c", conf, "-e", filepath.Join(dir, "logs", "error.log"))
	s.cmd.Stdout, s.cmd.Stderr = s.output, s.output
	setProcAttr(s.cmd)
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("testnginx: starting %s: %v", bin, err)
	}
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	t.Cleanup(s.Stop)
	if err := s.waitListening(port); err != nil {
		s.Stop()
		t.Fatalf("testnginx: %v\n--- nginx output ---\n%s\n--- error.log ---\n%s", err, s.output.String(), s.ErrorLog())
	}
	return s
}

// mainConfig is the whole nginx.conf: one process in the foreground, every path inside dir.
func mainConfig(dir, http string) string {
	tmp := filepath.Join(dir, "tmp")
	return fmt.Sprintf(`daemon off;
master_process off;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/logs/error.log info;
events {
	worker_connections 1024;
}
http {
	access_log off;
	client_body_temp_path %[2]s/client_body;
	proxy_temp_path %[2]s/proxy;
	fastcgi_temp_path %[2]s/fastcgi;
	uwsgi_temp_path %[2]s/uwsgi;
	scgi_temp_path %[2]s/scgi;
%[3]s
}
`, dir, tmp, http)
}

func (s *Server) waitListening(port int) error {
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for {
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			return nil
		}
		select {
		case <-s.done:
			return fmt.Errorf("nginx exited before listening on %s", addr)
		case <-ctx.Done():
			return fmt.Errorf("nginx did not listen on %s within %s", addr, startTimeout)
		case <-time.After(25 * time.Millisecond):
		}
	}
}

// Stop ends nginx (SIGQUIT, graceful; SIGKILL after 5 s). It is safe to call twice.
func (s *Server) Stop() {
	s.once.Do(func() {
		select {
		case <-s.done:
			return
		default:
		}
		_ = s.cmd.Process.Signal(syscall.SIGQUIT)
		select {
		case <-s.done:
		case <-time.After(5 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.done
		}
	})
}

// ErrorLog returns nginx's error log so far.
func (s *Server) ErrorLog() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "logs", "error.log"))
	return string(b)
}

// syncBuffer is a bytes.Buffer safe for the process's writes and the test's reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

package redistest

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestServerLifecycle(t *testing.T) {
	s := Start(t)
	addr := s.Addr()
	if !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Fatalf("Addr() = %q, want a loopback address", addr)
	}
	t.Run("answers PING once started", func(t *testing.T) {
		pid, err := probe(addr, nil)
		if err != nil {
			t.Fatalf("probe: %v", err)
		}
		if pid != s.cmd.Process.Pid {
			t.Fatalf("answering pid %d, started pid %d", pid, s.cmd.Process.Pid)
		}
	})
	t.Run("Stop makes it unreachable", func(t *testing.T) {
		s.Stop()
		if _, err := probe(addr, nil); err == nil {
			t.Fatal("server still answers after Stop")
		}
		s.Stop() // a second Stop is a no-op
	})
	t.Run("Start brings it back on the same port", func(t *testing.T) {
		s.Start()
		if s.Addr() != addr {
			t.Fatalf("Addr() = %q after restart, want %q", s.Addr(), addr)
		}
		if _, err := probe(addr, nil); err != nil {
			t.Fatalf("probe after Start: %v", err)
		}
	})
	t.Run("Restart replaces the process", func(t *testing.T) {
		before := s.cmd.Process.Pid
		s.Restart()
		pid, err := probe(addr, nil)
		if err != nil {
			t.Fatalf("probe after Restart: %v", err)
		}
		if pid == before {
			t.Fatalf("pid %d unchanged by Restart", pid)
		}
	})
	t.Run("Pause silences it until Resume", func(t *testing.T) {
		s.Pause()
		if _, err := probe(addr, nil); err == nil {
			t.Fatal("a paused server answered")
		}
		s.Resume()
		if _, err := probe(addr, nil); err != nil {
			t.Fatalf("probe after Resume: %v", err)
		}
	})
	t.Run("Stop ends a paused server without waiting out the grace period", func(t *testing.T) {
		s.Pause()
		start := time.Now()
		s.Stop()
		if took := time.Since(start); took >= stopTimeout {
			t.Fatalf("Stop of a paused server took %v", took)
		}
	})
}

func TestTwoServersAreIndependent(t *testing.T) {
	a, b := Start(t), Start(t)
	if a.Addr() == b.Addr() {
		t.Fatalf("both servers on %s", a.Addr())
	}
	a.Stop()
	if _, err := probe(b.Addr(), nil); err != nil {
		t.Fatalf("stopping one server broke the other: %v", err)
	}
}

// fakeRedis answers PING and INFO like Redis, claiming process id pid.
func fakeRedis(t *testing.T, pid int) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					switch strings.TrimSpace(line) {
					case "PING":
						fmt.Fprint(c, "+PONG\r\n")
					case "INFO server":
						info := fmt.Sprintf("# Server\r\nprocess_id:%d\r\n", pid)
						fmt.Fprintf(c, "$%d\r\n%s\r\n", len(info), info)
					}
				}
			}()
		}
	}()
	return l
}

func TestStartDoesNotAdoptAForeignServer(t *testing.T) {
	bin := lookup(t)
	l := fakeRedis(t, 1)
	s := &Server{t: t, bin: bin, dir: t.TempDir(), port: l.Addr().(*net.TCPAddr).Port}
	t.Cleanup(s.Stop)
	if err := s.start(); err == nil {
		t.Fatal("start succeeded on a port another server holds")
	}
	if s.cmd != nil {
		t.Fatal("server recorded as running")
	}
	if pid, err := probe(l.Addr().String(), nil); err != nil || pid != 1 {
		t.Fatalf("the foreign server was disturbed: pid %d, err %v", pid, err)
	}
}

func TestProbeRejectsNonRedis(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		fmt.Fprint(c, "HTTP/1.1 400 Bad Request\r\n\r\n")
	}()
	if _, err := probe(l.Addr().String(), nil); err == nil {
		t.Fatal("probe accepted a server that is not Redis")
	}
}

// TestClusterFailsOverAKilledMaster (about 6 s) starts a cluster of 3 masters and 3
// replicas, writes a key through a cluster client, kills the key's master and checks that
// WaitFailover returns its promoted replica, which now serves the key.
func TestClusterFailsOverAKilledMaster(t *testing.T) {
	start := time.Now()
	c := StartCluster(t, 3, 1)
	t.Logf("cluster up after %v", time.Since(start))
	if len(c.Nodes) != 6 {
		t.Fatalf("%d nodes, want 6", len(c.Nodes))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client := redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.Addrs(), ClusterStateReloadInterval: 200 * time.Millisecond})
	defer client.Close()
	if err := client.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatalf("SET through the cluster: %v", err)
	}
	if err := c.WaitInSync(ctx); err != nil {
		t.Fatal(err)
	}
	master, err := c.MasterOf(ctx, "k")
	if err != nil {
		t.Fatal(err)
	}
	master.Kill()
	killed := time.Now()
	promoted, err := c.WaitFailover(ctx, master)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("failover after %v", time.Since(killed))
	if now, err := c.MasterOf(ctx, "k"); err != nil || now != promoted {
		t.Fatalf("after failover the key's master is %v (%v), want the promoted %s", now, err, promoted.Addr())
	}
	waitUntil(t, 10*time.Second, func() bool { return client.Get(ctx, "k").Val() == "v" })
	t.Logf("the key is readable %v after the kill", time.Since(killed))
}

// waitUntil polls cond every 50 ms for up to limit.
func waitUntil(t *testing.T, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition still false after %v", limit)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

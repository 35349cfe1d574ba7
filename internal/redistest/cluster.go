package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

const (
	// clusterNodeTimeout is the cluster-node-timeout of StartCluster's nodes: a master that
	// stops answering is replaced by its replica a few seconds later.
	clusterNodeTimeout = time.Second
	// clusterSetupTimeout bounds StartCluster until every node agrees the cluster is ok.
	clusterSetupTimeout = 20 * time.Second
	clusterSlots        = 16384
)

// Cluster is a Redis Cluster of throwaway redis-server processes started by StartCluster.
// Each node is a Server (Stop, Start, Kill); only these processes are ever stopped.
type Cluster struct {
	t testing.TB
	// Nodes are the servers: the masters first, then the replicas; replica i replicates
	// master i % masters.
	Nodes   []*Server
	masters int
	clients map[*Server]*redis.Client
}

// StartCluster starts masters cluster-enabled servers with replicas replicas each on free
// loopback ports (the cluster bus on another free port), gives the masters equal slot ranges,
// joins them and attaches the replicas, and returns once every node reports cluster_state:ok
// and every replica is in sync. Nodes time out after one second and a replica always takes
// over a failed master, so a killed master is replaced within a few seconds. Every node is
// stopped when the test ends.
func StartCluster(t testing.TB, masters, replicas int) *Cluster {
	t.Helper()
	return startCluster(t, masters, replicas, nil)
}

// StartClusterTLS is StartCluster with every node speaking TLS only, with files (see
// NewTLSFiles), on its client port and on the cluster bus.
func StartClusterTLS(t testing.TB, masters, replicas int, files *TLSFiles) *Cluster {
	t.Helper()
	return startCluster(t, masters, replicas, files)
}

func startCluster(t testing.TB, masters, replicas int, files *TLSFiles) *Cluster {
	t.Helper()
	if masters < 3 {
		t.Fatalf("redistest: a cluster needs at least 3 masters to fail over, not %d", masters)
	}
	requireVersion(t, 7, "the cluster") // cluster-port, CLUSTER ADDSLOTSRANGE and CLUSTER SHARDS
	c := &Cluster{t: t, masters: masters, clients: map[*Server]*redis.Client{}}
	t.Cleanup(c.closeClients)
	var tlsArgs []string
	if files != nil {
		tlsArgs = []string{"--tls-cluster", "yes"}
	}
	for range masters * (1 + replicas) {
		s := startServer(t, serverSpec{tls: files, args: func(int) ([]string, error) {
			bus, err := freePort()
			return append([]string{
				"--cluster-enabled", "yes",
				"--cluster-config-file", "nodes.conf",
				"--cluster-node-timeout", strconv.Itoa(int(clusterNodeTimeout / time.Millisecond)),
				"--cluster-port", strconv.Itoa(bus),
				"--cluster-replica-validity-factor", "0",
				"--repl-diskless-sync-delay", "0", // replicas sync at once, not after 5 s
			}, tlsArgs...), err
		}})
		c.Nodes = append(c.Nodes, s)
	}
	ctx, cancel := context.WithTimeout(context.Background(), clusterSetupTimeout)
	defer cancel()
	if err := c.setup(ctx); err != nil {
		t.Fatalf("redistest: cluster set-up: %v", err)
	}
	return c
}

// Addrs returns the host:port of every node, for a cluster client's seed list.
func (c *Cluster) Addrs() []string {
	addrs := make([]string, len(c.Nodes))
	for i, s := range c.Nodes {
		addrs[i] = s.Addr()
	}
	return addrs
}

// Client returns a plain (non-cluster) client of one node, closed when the test ends.
func (c *Cluster) Client(s *Server) *redis.Client {
	if cl, ok := c.clients[s]; ok {
		return cl
	}
	cl := redis.NewClient(&redis.Options{
		Addr: s.Addr(), TLSConfig: s.clientTLS(), DialTimeout: time.Second, ReadTimeout: 2 * time.Second, WriteTimeout: time.Second,
		MaxRetries: -1, Protocol: 2,
	})
	c.clients[s] = cl
	return cl
}

func (c *Cluster) closeClients() {
	for _, cl := range c.clients {
		_ = cl.Close()
	}
}

// setup assigns slots, joins the nodes and attaches the replicas, then waits until the
// cluster is ok everywhere.
func (c *Cluster) setup(ctx context.Context) error {
	ids := make([]string, len(c.Nodes))
	for i, s := range c.Nodes {
		id, err := c.Client(s).Do(ctx, "CLUSTER", "MYID").Text()
		if err != nil {
			return fmt.Errorf("node %s: CLUSTER MYID: %w", s.Addr(), err)
		}
		ids[i] = id
	}
	per := clusterSlots / c.masters
	for i := range c.masters {
		first, last := i*per, (i+1)*per-1
		if i == c.masters-1 {
			last = clusterSlots - 1
		}
		if err := c.Client(c.Nodes[i]).Do(ctx, "CLUSTER", "ADDSLOTSRANGE", first, last).Err(); err != nil {
			return fmt.Errorf("node %s: CLUSTER ADDSLOTSRANGE: %w", c.Nodes[i].Addr(), err)
		}
	}
	for _, s := range c.Nodes[1:] {
		bus, err := busPort(s)
		if err != nil {
			return err
		}
		if err := c.Client(c.Nodes[0]).Do(ctx, "CLUSTER", "MEET", "127.0.0.1", s.port, bus).Err(); err != nil {
			return fmt.Errorf("CLUSTER MEET %s: %w", s.Addr(), err)
		}
	}
	if err := c.waitAll(ctx, "every node to know every other", func(s *Server) (bool, error) {
		nodes, err := c.Client(s).ClusterNodes(ctx).Result()
		return err == nil && countNodes(nodes, func(f []string) bool { return f[7] == "connected" }) == len(c.Nodes), err
	}); err != nil {
		return err
	}
	for i := c.masters; i < len(c.Nodes); i++ {
		if err := c.Client(c.Nodes[i]).Do(ctx, "CLUSTER", "REPLICATE", ids[i%c.masters]).Err(); err != nil {
			return fmt.Errorf("node %s: CLUSTER REPLICATE: %w", c.Nodes[i].Addr(), err)
		}
	}
	if err := c.waitAll(ctx, "cluster_state:ok and every replica known", func(s *Server) (bool, error) {
		info, err := c.Client(s).ClusterInfo(ctx).Result()
		if err != nil || !strings.Contains(info, "cluster_state:ok") {
			return false, err
		}
		nodes, err := c.Client(s).ClusterNodes(ctx).Result()
		replicas := countNodes(nodes, func(f []string) bool { return strings.Contains(f[2], "slave") })
		return err == nil && replicas == len(c.Nodes)-c.masters, err
	}); err != nil {
		return err
	}
	return c.WaitInSync(ctx)
}

// requireVersion skips the test (fails it under RequireEnv=1) when redis-server is older
// than major, which what needs.
func requireVersion(t testing.TB, major int, what string) {
	t.Helper()
	out, err := exec.Command(lookup(t), "--version").Output()
	if err != nil {
		t.Fatalf("redistest: redis-server --version: %v", err)
	}
	// "Redis server v=7.0.15 sha=…"
	_, v, _ := strings.Cut(string(out), "v=")
	got, err := strconv.Atoi(strings.SplitN(v, ".", 2)[0])
	if err == nil && got >= major {
		return
	}
	msg := fmt.Sprintf("redistest: %s needs redis-server %d or newer, found %q", what, major, strings.TrimSpace(string(out)))
	if os.Getenv(RequireEnv) == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// busPort returns the cluster bus port s was started with.
func busPort(s *Server) (int, error) {
	for i, a := range s.args {
		if a == "--cluster-port" && i+1 < len(s.args) {
			return strconv.Atoi(s.args[i+1])
		}
	}
	return 0, fmt.Errorf("node %s has no cluster bus port", s.Addr())
}

// WaitInSync waits until every live master's replicas have received everything it wrote
// (their replication offsets match), e.g. before killing a master in a test.
func (c *Cluster) WaitInSync(ctx context.Context) error {
	return c.waitAll(ctx, "the replicas to catch up", func(s *Server) (bool, error) {
		info, err := c.Client(s).Info(ctx, "replication").Result()
		return err == nil && replicationSettled(info), err
	})
}

// replicationSettled reports, from a server's INFO replication, whether it is a replica
// whose link to its master is up, or a master whose every replica has its offset.
func replicationSettled(info string) bool {
	if field(info, "role") != "master" {
		return field(info, "master_link_status") == "up"
	}
	offset := field(info, "master_repl_offset")
	for n := range strings.Count(info, "\nslave") {
		if !strings.Contains(field(info, "slave"+strconv.Itoa(n)), "offset="+offset+",") {
			return false
		}
	}
	return true
}

// MasterOf returns the live node that currently serves key's slot as master.
func (c *Cluster) MasterOf(ctx context.Context, key string) (*Server, error) {
	for _, s := range c.live() {
		slot, err := c.Client(s).ClusterKeySlot(ctx, key).Result()
		if err != nil {
			continue
		}
		shards, err := c.Client(s).ClusterShards(ctx).Result()
		if err != nil {
			return nil, err
		}
		for _, sh := range shards {
			for _, r := range sh.Slots {
				if r.Start <= slot && slot <= r.End {
					if m, ok := onlineMaster(sh); ok {
						return c.byAddr(m)
					}
				}
			}
		}
		return nil, fmt.Errorf("no online master serves slot %d", slot)
	}
	return nil, fmt.Errorf("no live node answers")
}

// onlineMaster returns the address of the shard's online master.
func onlineMaster(sh redis.ClusterShard) (string, bool) {
	for _, n := range sh.Nodes {
		if n.Role == "master" && n.Health == "online" {
			return net.JoinHostPort(n.IP, strconv.FormatInt(n.Port, 10)), true
		}
	}
	return "", false
}

// WaitFailover waits until failed (stopped or killed) is no longer master of any slot: one
// of its replicas has been promoted and every live node reports cluster_state:ok. It returns
// the promoted node.
func (c *Cluster) WaitFailover(ctx context.Context, failed *Server) (*Server, error) {
	err := c.waitAll(ctx, "a replica of "+failed.Addr()+" to take over", func(s *Server) (bool, error) {
		info, err := c.Client(s).ClusterInfo(ctx).Result()
		if err != nil || !strings.Contains(info, "cluster_state:ok") {
			return false, err
		}
		shards, err := c.Client(s).ClusterShards(ctx).Result()
		if err != nil {
			return false, err
		}
		for _, sh := range shards {
			if m, ok := onlineMaster(sh); len(sh.Slots) > 0 && (!ok || m == failed.Addr()) {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		return nil, err
	}
	for i := c.masters; i < len(c.Nodes); i++ {
		r := c.Nodes[i]
		if c.Nodes[i%c.masters] != failed || !r.running() {
			continue
		}
		if info, err := c.Client(r).Info(ctx, "replication").Result(); err == nil && field(info, "role") == "master" {
			return r, nil
		}
	}
	return nil, fmt.Errorf("no replica of %s was promoted", failed.Addr())
}

// countNodes counts the lines of a CLUSTER NODES reply whose fields satisfy pred.
func countNodes(nodes string, pred func(fields []string) bool) int {
	n := 0
	for l := range strings.Lines(nodes) {
		if f := strings.Fields(l); len(f) >= 8 && pred(f) {
			n++
		}
	}
	return n
}

// running reports whether the server's process runs.
func (s *Server) running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cmd != nil
}

// live returns the nodes whose process runs.
func (c *Cluster) live() []*Server {
	var out []*Server
	for _, s := range c.Nodes {
		if s.running() {
			out = append(out, s)
		}
	}
	return out
}

func (c *Cluster) byAddr(addr string) (*Server, error) {
	for _, s := range c.Nodes {
		if s.Addr() == addr {
			return s, nil
		}
	}
	return nil, fmt.Errorf("%s is not a node of this cluster", addr)
}

// waitAll polls cond on every live node until it holds on all of them or ctx ends.
func (c *Cluster) waitAll(ctx context.Context, what string, cond func(*Server) (bool, error)) error {
	var lastErr error
	for {
		ok := true
		for _, s := range c.live() {
			done, err := cond(s)
			if err != nil {
				lastErr = err
			}
			if !done {
				ok = false
				break
			}
		}
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w (last error: %v)", what, ctx.Err(), lastErr)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// field returns the value of name in an INFO reply.
func field(info, name string) string {
	for l := range strings.Lines(info) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), name+":"); ok {
			return v
		}
	}
	return ""
}

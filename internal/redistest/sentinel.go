package redistest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultMasterName is the master name StartSentinel's Sentinels monitor unless
// SentinelOptions.MasterName says otherwise.
const DefaultMasterName = "mymaster"

const (
	// sentinelDownAfter is the Sentinels' down-after-milliseconds: a master silent this long
	// is subjectively down.
	sentinelDownAfter = time.Second
	// sentinelFailoverTimeout is the Sentinels' failover-timeout: a stalled failover is given
	// up (and may be retried) after it.
	sentinelFailoverTimeout = 3 * time.Second
	sentinelCount           = 3
	sentinelQuorum          = 2
	// sentinelSetupTimeout bounds StartSentinel until the Sentinels agree.
	sentinelSetupTimeout = 20 * time.Second
)

// SentinelOptions configure StartSentinel. Names and passwords must not contain spaces.
type SentinelOptions struct {
	// MasterName is the name the Sentinels monitor the master under. Default:
	// DefaultMasterName.
	MasterName string
	// Password, when set, is required by the master and the replica (requirepass, and
	// masterauth between them) and given to the Sentinels (sentinel auth-pass).
	Password string
	// SentinelPassword, when set, is required by the Sentinels themselves (requirepass, or
	// SentinelUsername's password), which also use it with each other (sentinel-pass).
	SentinelPassword string
	// SentinelUsername, with SentinelPassword, is an ACL user on every Sentinel, whose
	// default user is then off (sentinel-user between them).
	SentinelUsername string
	// TLS, when set, makes every server speak TLS only, with these certificates (see
	// NewTLSFiles), also between the replica and the master and among the Sentinels.
	TLS *TLSFiles
}

// Sentinel is a master, one replica and three Sentinels monitoring them: throwaway
// redis-server processes (the Sentinels run the same binary with --sentinel) started by
// StartSentinel on free loopback ports. Each is a Server (Stop, Start, Kill); only these
// processes are ever stopped.
type Sentinel struct {
	t    testing.TB
	opts SentinelOptions
	// Data are the master and the replica in the order they were started (Data[0] was the
	// first master; Master says which one is master now).
	Data []*Server
	// Sentinels are the three Sentinels.
	Sentinels []*Server

	clients   map[*Server]*redis.Client
	sentinels map[*Server]*redis.SentinelClient
}

// StartSentinel starts a master, a replica of it and three Sentinels (quorum 2) monitoring
// it, and returns once the replica is in sync and every Sentinel names the master, sees the
// replica and the two other Sentinels. The Sentinels mark a silent master down after one
// second and give a failover three seconds, so a failover takes a few seconds at most.
// Everything is stopped when the test ends.
func StartSentinel(t testing.TB, o SentinelOptions) *Sentinel {
	t.Helper()
	if o.MasterName == "" {
		o.MasterName = DefaultMasterName
	}
	if o.SentinelUsername != "" && o.SentinelPassword == "" {
		t.Fatal("redistest: SentinelOptions.SentinelUsername needs a SentinelPassword")
	}
	requireVersion(t, 6, "a Sentinel with ACL users and passwords") // sentinel-user, requirepass on Sentinels
	s := &Sentinel{t: t, opts: o, clients: map[*Server]*redis.Client{}, sentinels: map[*Server]*redis.SentinelClient{}}
	t.Cleanup(s.closeClients)
	data := []string{"--repl-diskless-sync-delay", "0"} // the replica syncs at once, not after 5 s
	if o.Password != "" {
		data = append(data, "--requirepass", o.Password, "--masterauth", o.Password)
	}
	master := startServer(t, serverSpec{args: fixedArgs(data), auth: s.dataAuth(), tls: o.TLS})
	replicaArgs := append(slices.Clone(data), "--replicaof", "127.0.0.1", strconv.Itoa(master.port))
	replica := startServer(t, serverSpec{args: fixedArgs(replicaArgs), auth: s.dataAuth(), tls: o.TLS})
	s.Data = []*Server{master, replica}

	ctx, cancel := context.WithTimeout(context.Background(), sentinelSetupTimeout)
	defer cancel()
	// In sync before the Sentinels start: they learn of replicas from the master's INFO,
	// which they read at once and then only every 10 s.
	if err := poll(ctx, "the replica to sync with the master", func() (string, error) { return s.dataSettled(ctx, master) }); err != nil {
		t.Fatalf("redistest: sentinel set-up: %v", err)
	}
	for range sentinelCount {
		conf := filepath.Join(t.TempDir(), "sentinel.conf")
		if err := os.WriteFile(conf, []byte(s.sentinelConf(master)), 0o600); err != nil {
			t.Fatalf("redistest: writing a Sentinel's config: %v", err)
		}
		s.Sentinels = append(s.Sentinels, startServer(t, serverSpec{conf: conf, auth: s.sentinelAuth(), tls: o.TLS}))
	}
	if err := s.WaitSettled(ctx, master); err != nil {
		t.Fatalf("redistest: sentinel set-up: %v", err)
	}
	return s
}

// fixedArgs returns an args function of serverSpec that gives args whatever the port.
func fixedArgs(args []string) func(int) ([]string, error) {
	return func(int) ([]string, error) { return args, nil }
}

// sentinelConf is a Sentinel's config file: it monitors master with short timeouts and the
// configured credentials.
func (s *Sentinel) sentinelConf(master *Server) string {
	o := s.opts
	var b strings.Builder
	fmt.Fprintf(&b, "sentinel monitor %s 127.0.0.1 %d %d\n", o.MasterName, master.port, sentinelQuorum)
	fmt.Fprintf(&b, "sentinel down-after-milliseconds %s %d\n", o.MasterName, sentinelDownAfter.Milliseconds())
	fmt.Fprintf(&b, "sentinel failover-timeout %s %d\n", o.MasterName, sentinelFailoverTimeout.Milliseconds())
	if o.Password != "" {
		fmt.Fprintf(&b, "sentinel auth-pass %s %s\n", o.MasterName, o.Password)
	}
	switch {
	case o.SentinelUsername != "":
		fmt.Fprintf(&b, "user default off\nuser %s on >%s ~* &* +@all\n", o.SentinelUsername, o.SentinelPassword)
		fmt.Fprintf(&b, "sentinel sentinel-user %s\nsentinel sentinel-pass %s\n", o.SentinelUsername, o.SentinelPassword)
	case o.SentinelPassword != "":
		fmt.Fprintf(&b, "requirepass %s\nsentinel sentinel-pass %s\n", o.SentinelPassword, o.SentinelPassword)
	}
	return b.String()
}

// dataAuth returns the AUTH arguments of the master and the replica (none without a password).
func (s *Sentinel) dataAuth() []string {
	if s.opts.Password == "" {
		return nil
	}
	return []string{s.opts.Password}
}

// sentinelAuth returns the AUTH arguments of the Sentinels (none without a password).
func (s *Sentinel) sentinelAuth() []string {
	switch {
	case s.opts.SentinelUsername != "":
		return []string{s.opts.SentinelUsername, s.opts.SentinelPassword}
	case s.opts.SentinelPassword != "":
		return []string{s.opts.SentinelPassword}
	}
	return nil
}

// MasterName returns the name the Sentinels monitor the master under.
func (s *Sentinel) MasterName() string { return s.opts.MasterName }

// Addrs returns the Sentinels' host:port, for a failover client's Sentinel list.
func (s *Sentinel) Addrs() []string {
	addrs := make([]string, len(s.Sentinels))
	for i, sn := range s.Sentinels {
		addrs[i] = sn.Addr()
	}
	return addrs
}

// Client returns a plain client of the master or the replica (with the password), closed
// when the test ends.
func (s *Sentinel) Client(d *Server) *redis.Client {
	if c, ok := s.clients[d]; ok {
		return c
	}
	c := redis.NewClient(&redis.Options{
		Addr: d.Addr(), Password: s.opts.Password, TLSConfig: d.clientTLS(), DialTimeout: time.Second, ReadTimeout: 2 * time.Second,
		WriteTimeout: time.Second, MaxRetries: -1, Protocol: 2,
	})
	s.clients[d] = c
	return c
}

// SentinelClient returns a client of one of the Sentinels (with their credentials), closed
// when the test ends.
func (s *Sentinel) SentinelClient(sn *Server) *redis.SentinelClient {
	if c, ok := s.sentinels[sn]; ok {
		return c
	}
	c := redis.NewSentinelClient(&redis.Options{
		Addr: sn.Addr(), Username: s.opts.SentinelUsername, Password: s.opts.SentinelPassword, TLSConfig: sn.clientTLS(),
		DialTimeout: time.Second, ReadTimeout: 2 * time.Second, WriteTimeout: time.Second, MaxRetries: -1, Protocol: 2,
	})
	s.sentinels[sn] = c
	return c
}

func (s *Sentinel) closeClients() {
	for _, c := range s.clients {
		_ = c.Close()
	}
	for _, c := range s.sentinels {
		_ = c.Close()
	}
}

// Master returns the server the first live Sentinel names as master.
func (s *Sentinel) Master(ctx context.Context) (*Server, error) {
	var errs []error
	for _, sn := range s.Sentinels {
		if !sn.running() {
			continue
		}
		addr, err := s.SentinelClient(sn).GetMasterAddrByName(ctx, s.opts.MasterName).Result()
		if err != nil || len(addr) != 2 {
			errs = append(errs, fmt.Errorf("sentinel %s: GET-MASTER-ADDR-BY-NAME: %v %w", sn.Addr(), addr, err))
			continue
		}
		return s.dataAt(net.JoinHostPort(addr[0], addr[1]))
	}
	return nil, fmt.Errorf("no live Sentinel names the master: %w", errors.Join(errs...))
}

// dataAt returns the master or replica listening at addr.
func (s *Sentinel) dataAt(addr string) (*Server, error) {
	for _, d := range s.Data {
		if d.Addr() == addr {
			return d, nil
		}
	}
	return nil, fmt.Errorf("%s is neither the master nor the replica", addr)
}

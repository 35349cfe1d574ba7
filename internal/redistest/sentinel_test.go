package redistest

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestSentinelFailsOver (about 15 s per case, most of it the Sentinels' fixed wait before they reconfigure the old master) starts a master, a replica and three
// Sentinels, with and without credentials on the data servers and the Sentinels, writes a
// key through go-redis's failover client, has the Sentinels fail over and checks that
// Failover returns the promoted replica, every Sentinel names it, the client reads and
// writes the key there, and (WaitSettled) the old master becomes its replica.
func TestSentinelFailsOver(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts SentinelOptions
	}{
		{"no credentials", SentinelOptions{}},
		{"passwords and a Sentinel user", SentinelOptions{MasterName: "sessions", Password: "data-secret",
			SentinelUsername: "gate", SentinelPassword: "sentinel-secret"}},
		{"TLS and a Sentinel password", SentinelOptions{SentinelPassword: "sentinel-secret", TLS: NewTLSFiles(t)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel() // mostly waiting for the Sentinels
			start := time.Now()
			s := StartSentinel(t, tc.opts)
			t.Logf("master, replica and Sentinels up and agreed after %v", time.Since(start).Round(time.Millisecond))
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if tc.opts.SentinelPassword != "" {
				anon := redis.NewSentinelClient(&redis.Options{Addr: s.Sentinels[0].Addr(), TLSConfig: s.Sentinels[0].clientTLS(), MaxRetries: -1})
				defer anon.Close()
				if err := anon.GetMasterAddrByName(ctx, s.MasterName()).Err(); err == nil {
					t.Fatal("a Sentinel answered a client without credentials")
				}
			}
			var tlsConf *tls.Config
			if tc.opts.TLS != nil {
				tlsConf = tc.opts.TLS.Client
			}
			client := redis.NewFailoverClient(&redis.FailoverOptions{
				MasterName: s.MasterName(), SentinelAddrs: s.Addrs(), Password: tc.opts.Password, TLSConfig: tlsConf,
				SentinelUsername: tc.opts.SentinelUsername, SentinelPassword: tc.opts.SentinelPassword,
			})
			defer client.Close()
			if err := client.Set(ctx, "k", "v", 0).Err(); err != nil {
				t.Fatalf("SET through the failover client: %v", err)
			}
			old, err := s.Master(ctx)
			if err != nil || old != s.Data[0] {
				t.Fatalf("master before the failover: %v (%v), want %s", old, err, s.Data[0].Addr())
			}
			began := time.Now()
			promoted, err := s.Failover(ctx)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("failed over to %s in %v", promoted.Addr(), time.Since(began).Round(time.Millisecond))
			if promoted != s.Data[1] {
				t.Fatalf("promoted %s, want the replica %s", promoted.Addr(), s.Data[1].Addr())
			}
			for _, sn := range s.Sentinels {
				addr, err := s.SentinelClient(sn).GetMasterAddrByName(ctx, s.MasterName()).Result()
				if err != nil || len(addr) != 2 || net.JoinHostPort(addr[0], addr[1]) != promoted.Addr() {
					t.Fatalf("sentinel %s names %v (%v), want %s", sn.Addr(), addr, err, promoted.Addr())
				}
			}
			waitUntil(t, 5*time.Second, func() bool {
				return client.Get(ctx, "k").Val() == "v" && client.Set(ctx, "k2", "v2", 0).Err() == nil
			})
			if got, err := s.Client(promoted).Get(ctx, "k2").Result(); err != nil || got != "v2" {
				t.Fatalf("the write after the failover is not on the new master: %q, %v", got, err)
			}
			if err := s.WaitSettled(ctx, promoted); err != nil {
				t.Fatal(err)
			}
			t.Logf("the old master replicates the new one %v after the failover began", time.Since(began).Round(time.Millisecond))
			if err := s.Client(old).Set(ctx, "k3", "v3", 0).Err(); err == nil || !isReadOnly(err) {
				t.Fatalf("the old master accepted a write (%v): it should now be a replica", err)
			}
		})
	}
}

// isReadOnly reports the error of a write to a replica.
func isReadOnly(err error) bool {
	var re redis.Error
	return errors.As(err, &re) && len(re.Error()) >= 8 && re.Error()[:8] == "READONLY"
}

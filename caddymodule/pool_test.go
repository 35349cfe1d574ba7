package caddymodule

import (
	"crypto/tls"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/kakaogate/kakaogate/config"
)

// TestRedisClientTLS: tls on a redis_cluster or redis_sentinel store gives the client the
// settings a rediss:// URL gives a single server (TLS 1.2 or newer, certificates checked,
// the server name of each dialled host); without it the client speaks plain TCP.
func TestRedisClientTLS(t *testing.T) {
	sentinel := config.SessionStore{Store: config.StoreRedisSentinel, MasterName: "m", Addresses: []string{"127.0.0.1:26379"},
		SentinelUsername: "u", SentinelPassword: "p"}
	cluster := config.SessionStore{Store: config.StoreRedisCluster, Addresses: []string{"127.0.0.1:7000"}}
	withTLS := func(s config.SessionStore) *config.SessionStore { s.TLS = true; return &s }
	tests := []struct {
		name    string
		store   *config.SessionStore
		wantTLS bool
	}{
		{"sentinel", &sentinel, false},
		{"sentinel with tls", withTLS(sentinel), true},
		{"cluster", &cluster, false},
		{"cluster with tls", withTLS(cluster), true},
		{"rediss URL", &config.SessionStore{Store: config.StoreRedis, URL: "rediss://127.0.0.1:6380/0"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			client, err := newRedisClient(tt.store)
			if err != nil {
				t.Fatal(err)
			}
			defer client.Close()
			var got *tls.Config
			switch c := client.(type) {
			case *redis.Client:
				got = c.Options().TLSConfig
			case *redis.ClusterClient:
				got = c.Options().TLSConfig
			default:
				t.Fatalf("client of type %T", client)
			}
			if (got != nil) != tt.wantTLS {
				t.Fatalf("TLSConfig = %+v, want TLS %v", got, tt.wantTLS)
			}
			if got == nil {
				return
			}
			if got.MinVersion != tls.VersionTLS12 || got.InsecureSkipVerify {
				t.Errorf("TLS settings: MinVersion %x, InsecureSkipVerify %v; want TLS 1.2+ with verification", got.MinVersion, got.InsecureSkipVerify)
			}
			if tt.store.Store != config.StoreRedis && got.ServerName != "" {
				t.Errorf("ServerName %q: want it empty so each dialled host is checked", got.ServerName)
			}
		})
	}
}

package config

import (
	"strings"
	"testing"
)

// TestValidateSessionConnection: Sentinel credentials and tls are accepted where they apply
// and refused elsewhere with a message that starts with the fix.
func TestValidateSessionConnection(t *testing.T) {
	sentinel := func(s SessionStore) *SessionStore {
		s.Store, s.MasterName, s.Addresses = StoreRedisSentinel, "mymaster", []string{"10.0.0.1:26379"}
		return &s
	}
	tests := []struct {
		name    string
		session *SessionStore
		want    string // "" when valid; else the error's beginning
	}{
		{"sentinel with sentinel password", sentinel(SessionStore{SentinelPassword: "pw"}), ""},
		{"sentinel with sentinel user and password", sentinel(SessionStore{SentinelUsername: "u", SentinelPassword: "pw"}), ""},
		{"sentinel with tls", sentinel(SessionStore{TLS: true, Password: "pw"}), ""},
		{"cluster with tls", &SessionStore{Store: StoreRedisCluster, Addresses: []string{"a:1"}, TLS: true}, ""},
		{"sentinel user without password", sentinel(SessionStore{SentinelUsername: "u"}), "add sentinel_password next to sentinel_username"},
		{"sentinel password on cluster", &SessionStore{Store: StoreRedisCluster, Addresses: []string{"a:1"}, SentinelPassword: "pw"},
			"remove sentinel_username and sentinel_password, or use session redis_sentinel"},
		{"sentinel user on redis", &SessionStore{Store: StoreRedis, URL: "redis://a:1", SentinelUsername: "u", SentinelPassword: "pw"},
			"remove sentinel_username and sentinel_password"},
		{"sentinel password on memory", &SessionStore{Store: StoreMemory, SentinelPassword: "pw"}, "remove sentinel_username and sentinel_password"},
		{"tls on redis", &SessionStore{Store: StoreRedis, URL: "redis://a:1", TLS: true}, "remove tls and write the URL as rediss://"},
		{"tls on memory", &SessionStore{Store: StoreMemory, TLS: true}, "remove tls: session memory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validKakao()
			c.Session = tt.session
			err := c.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Validate() = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("Validate() = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

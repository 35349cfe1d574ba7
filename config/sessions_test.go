package config

import (
	"strings"
	"testing"
	"time"
)

// TestSessionOptions: idle_timeout is off or between its minimum and the session's lifetime;
// session_cookie is persistent or browser; max_sessions_per_user is between 1 and 10000.
func TestSessionOptions(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(c *Config)
		want   string // "" for valid
	}{
		{"defaults", func(*Config) {}, ""},
		{"an idle timeout", func(c *Config) { c.IdleTimeout = Duration(30 * time.Minute) }, ""},
		{"the shortest idle timeout", func(c *Config) { c.IdleTimeout = Duration(MinIdleTimeout) }, ""},
		{"idle timeout below the recording interval's margin", func(c *Config) { c.IdleTimeout = Duration(5 * time.Second) }, "idle_timeout 5s: use at least 10s"},
		{"idle timeout as long as the lifetime", func(c *Config) { c.IdleTimeout = c.SessionLifetime }, "less than session_lifetime"},
		{"idle timeout beyond the lifetime", func(c *Config) {
			c.SessionLifetime = Duration(time.Hour)
			c.IdleTimeout = Duration(2 * time.Hour)
		}, "less than session_lifetime 1h0m0s"},
		{"browser session cookie", func(c *Config) { c.SessionCookie = SessionCookieBrowser }, ""},
		{"unknown session cookie", func(c *Config) { c.SessionCookie = "session" }, `session_cookie "session" is not supported`},
		{"one session per user", func(c *Config) { c.MaxSessionsPerUser = 1 }, ""},
		{"no session per user", func(c *Config) { c.MaxSessionsPerUser = -1 }, "max_sessions_per_user -1"},
		{"too many sessions per user", func(c *Config) { c.MaxSessionsPerUser = 10001 }, "max_sessions_per_user 10001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validKakao()
			tt.mutate(&c)
			err := c.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate() = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestSessionOptionsDefaults(t *testing.T) {
	c := validKakao()
	if c.IdleTimeout != 0 || c.SessionCookie != SessionCookiePersistent || c.MaxSessionsPerUser != DefaultMaxSessionsPerUser {
		t.Fatalf("defaults: idle %v, cookie %q, per user %d", c.IdleTimeout, c.SessionCookie, c.MaxSessionsPerUser)
	}
}

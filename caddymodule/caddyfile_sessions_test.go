package caddymodule

import (
	"strings"
	"testing"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/session"
)

// TestCaddyfileSessionOptions: idle_timeout, session_cookie and max_sessions_per_user land in
// the handler's JSON from the directive and from the global block, and bad values are refused
// with the option's name.
func TestCaddyfileSessionOptions(t *testing.T) {
	secret := "\t\tcookie_secret " + strings.Repeat("s", 32) + "\n"
	opts := "\t\tidle_timeout 30m\n\t\tsession_cookie browser\n\t\tmax_sessions_per_user 20\n"
	want := []string{`"idle_timeout": "30m0s"`, `"session_cookie": "browser"`, `"max_sessions_per_user": 20`}
	for name, src := range map[string]string{
		"directive": "example.com {\n\tkakaogate {\n\t\tclient_id k\n" + secret + opts + "\t}\n}\n",
		"global":    "{\n\tkakaogate {\n" + opts + "\t}\n}\nexample.com {\n\tkakaogate {\n\t\tclient_id k\n" + secret + "\t}\n}\n",
	} {
		out, err := adapt(t, src)
		if err != nil {
			t.Fatalf("%s: adapt: %v", name, err)
		}
		for _, w := range want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: %s missing from the JSON:\n%s", name, w, out)
			}
		}
	}
	bad := []struct{ line, want string }{
		{"idle_timeout soon", `idle_timeout "soon"`},
		{"idle_timeout", "idle_timeout needs a value"},
		{"session_cookie session", `session_cookie "session" is not supported: use persistent or browser`},
		{"max_sessions_per_user 0", "max_sessions_per_user \"0\" must be a whole number of at least 1"},
		{"max_sessions_per_user many", "max_sessions_per_user \"many\""},
	}
	for _, tt := range bad {
		_, err := adapt(t, "example.com {\n\tkakaogate {\n\t\t"+tt.line+"\n\t}\n}\n")
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want an error containing %q", tt.line, err, tt.want)
		}
	}
}

// TestSessionLimitsAgree: the limits config validates are the ones package session enforces.
func TestSessionLimitsAgree(t *testing.T) {
	if config.MinIdleTimeout != session.MinIdleTimeout {
		t.Errorf("config.MinIdleTimeout %v, session.MinIdleTimeout %v", config.MinIdleTimeout, session.MinIdleTimeout)
	}
	if config.DefaultMaxSessionsPerUser != session.DefaultMaxPerUser {
		t.Errorf("config.DefaultMaxSessionsPerUser %d, session.DefaultMaxPerUser %d", config.DefaultMaxSessionsPerUser, session.DefaultMaxPerUser)
	}
}

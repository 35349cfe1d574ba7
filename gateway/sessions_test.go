package gateway

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/internal/testclock"
	"github.com/kakaogate/kakaogate/session"
)

// TestIdleTimeoutEndsAnUnusedSession: with idle_timeout, a session used more often than the
// timeout lives on, well past the timeout; left alone for the timeout it ends, although the
// same cookie value was opened (and memoized) a moment before and the Manager cached the
// session.
func TestIdleTimeoutEndsAnUnusedSession(t *testing.T) {
	t.Parallel()
	clock := testclock.Shifted()
	store := session.NewMemoryStore(session.MemoryOptions{Now: clock.Now})
	t.Cleanup(func() { _ = store.Close() })
	h := newOIDC(t, harnessOptions{store: store, clock: clock, configure: func(c *config.Config) {
		c.IdleTimeout = config.Duration(time.Minute)
	}})
	c := h.browser()
	h.expectLogin(t, c, h.authorize(c, "/app", 0), "/app", "user-1")
	for i := range 5 { // 4m10s of use, every 50s
		clock.Add(50 * time.Second)
		if !h.hasSession(c) {
			t.Fatalf("the session ended after %d uses 50s apart", i)
		}
	}
	clock.Add(61 * time.Second)
	if r := h.get(c, "/app", "Accept: application/json"); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("session unused for the idle timeout: %d, want 401", r.StatusCode)
	}
}

// TestSessionCookieKinds: session_cookie browser writes the session cookie without Max-Age
// or Expires (the browser drops it when it closes); the default carries the lifetime.
func TestSessionCookieKinds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind       string
		wantMaxAge string // "" for none
	}{
		{config.SessionCookiePersistent, "Max-Age=86400"},
		{config.SessionCookieBrowser, ""},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			h := newOIDC(t, harnessOptions{configure: func(c *config.Config) { c.SessionCookie = tt.kind }})
			c := h.browser()
			login := h.get(noFollow(c), "/.auth/login?rd=%2Fapp")
			callback := h.get(noFollow(c), h.signIn(c, login.Header.Get("Location"), 0))
			var sc string
			for _, v := range callback.Header.Values("Set-Cookie") {
				if strings.HasPrefix(v, "__Host-kakaogate=") {
					sc = v
				}
			}
			if sc == "" {
				t.Fatalf("no session cookie in %q", callback.Header.Values("Set-Cookie"))
			}
			hasMaxAge := strings.Contains(sc, "Max-Age=")
			switch {
			case tt.wantMaxAge == "" && (hasMaxAge || strings.Contains(sc, "Expires=")):
				t.Fatalf("browser-session cookie carries a lifetime: %s", sc)
			case tt.wantMaxAge != "" && !strings.Contains(sc, tt.wantMaxAge):
				t.Fatalf("session cookie %s, want %s", sc, tt.wantMaxAge)
			}
			if !h.hasSession(c) {
				t.Fatal("the session cookie does not work")
			}
		})
	}
}

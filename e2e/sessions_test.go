package e2e

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/internal/redistest"
)

// TestIdleTimeoutAcrossInstances: two gateways share a Redis with idle_timeout 10s (a use is
// recorded at most every 2.5s). A session kept in use on the first for longer than the timeout
// is alive on the second; left unused for the timeout it is refused by both, although both
// just served it (ticket memo, session cache).
func TestIdleTimeoutAcrossInstances(t *testing.T) {
	e := newEnv(t, envOptions{
		instances: 2,
		session:   "session redis redis://" + redistest.Start(t).Addr() + "/0",
		extra:     "idle_timeout 10s",
	})
	c := e.browser()
	e.login(c, "/", 1001).Body.Close()
	api := func(base string) int {
		resp, _ := get(t, c, base+"/private", "Accept: application/json")
		return resp.StatusCode
	}
	for i := range 7 { // 14s of use on the first instance only
		time.Sleep(2 * time.Second)
		if got := api(e.bases[0]); got != http.StatusOK {
			t.Fatalf("use %d on the first instance: %d, want 200\n%s", i+1, got, e.caddy.Logs())
		}
	}
	if got := api(e.bases[1]); got != http.StatusOK {
		t.Fatalf("second instance after 14s of use on the first: %d, want 200", got)
	}
	old := sessionCookie(c, e.base)
	time.Sleep(11 * time.Second)
	for i, base := range e.bases {
		req, _ := http.NewRequest(http.MethodGet, base+"/private", nil)
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Cookie", "__Host-kakaogate="+old)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("instance %d after 11s unused: %d, want 401", i+1, resp.StatusCode)
		}
	}
}

// setCookieRecorder records the Set-Cookie lines a browser receives.
type setCookieRecorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	seen []string
}

func (r *setCookieRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	if err == nil {
		r.mu.Lock()
		r.seen = append(r.seen, resp.Header.Values("Set-Cookie")...)
		r.mu.Unlock()
	}
	return resp, err
}

// TestBrowserSessionCookie: with session_cookie browser the login sets the session cookie
// without Max-Age or Expires (a cookie for this browser session only), and it works; by
// default it carries the session's lifetime.
func TestBrowserSessionCookie(t *testing.T) {
	tests := []struct {
		extra, want string // want "" means no lifetime attribute at all
	}{
		{"session_cookie browser", ""},
		{"session_lifetime 2h", "Max-Age=7200"},
	}
	for _, tt := range tests {
		t.Run(tt.extra, func(t *testing.T) {
			e := newEnv(t, envOptions{extra: tt.extra})
			c := e.browser()
			rec := &setCookieRecorder{next: c.Transport}
			c.Transport = rec
			e.login(c, "/", 1001).Body.Close()
			var session []string
			for _, sc := range rec.seen {
				if strings.HasPrefix(sc, "__Host-kakaogate=") && !strings.HasPrefix(sc, "__Host-kakaogate=;") {
					session = append(session, sc)
				}
			}
			if len(session) != 1 {
				t.Fatalf("session Set-Cookie lines: %q, want one", session)
			}
			sc := session[0]
			lifetime := strings.Contains(sc, "Max-Age=") || strings.Contains(sc, "Expires=")
			if tt.want == "" && lifetime || tt.want != "" && !strings.Contains(sc, tt.want) {
				t.Fatalf("session cookie %s; want %q (empty: no Max-Age or Expires)", sc, tt.want)
			}
			if resp, _ := get(t, c, e.base+"/private", "Accept: application/json"); resp.StatusCode != http.StatusOK {
				t.Fatalf("with the cookie: %d, want 200", resp.StatusCode)
			}
		})
	}
}

package gateway

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kakaogate/kakaogate/internal/redistest"
	"github.com/kakaogate/kakaogate/kakaotest"
	"github.com/kakaogate/kakaogate/session"
)

// TestLoginWhileProviderIsDownThenBack starts a gateway whose provider is not listening:
// starting a login answers 503 with a clear page (HTML) or JSON, never a panic; once the
// provider is up, logins work with the same gateway.
func TestLoginWhileProviderIsDownThenBack(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close() // nothing listens there now
	issuer := "http://" + addr
	h := newHarness(t, harnessOptions{issuer: issuer})

	for _, tc := range []struct {
		target string
		html   bool
	}{{"/.auth/login?rd=%2Fapp", true}, {"/.auth/login", false}, {"/app", true}} {
		accept := "Accept: application/json"
		if tc.html {
			accept = "Accept: text/html"
		}
		res := h.get(noFollow(h.browser()), tc.target, accept)
		if res.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("%s with the provider down: %d, want 503\n%s", tc.target, res.StatusCode, res.body)
		}
		id := h.problemID(t, res, tc.html)
		h.assertLogged(t, id)
		if tc.html && !strings.Contains(res.body, "cannot be reached") {
			t.Errorf("503 page does not say what happened:\n%s", res.body)
		}
		if len(res.Cookies()) != 0 {
			t.Errorf("a failed login start set cookies: %v", res.Cookies())
		}
	}

	// The provider comes up on its address.
	emu, err := kakaotest.New(kakaotest.Options{Issuer: issuer, RedirectURIs: []string{h.base + "/.auth/callback"}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(emu)
	if srv.Listener, err = net.Listen("tcp", addr); err != nil {
		t.Skipf("provider address %s was taken meanwhile: %v", addr, err)
	}
	srv.Start()
	t.Cleanup(srv.Close)
	c := h.browser()
	deadline := time.Now().Add(5 * time.Second)
	for {
		res := h.get(noFollow(c), "/.auth/login?rd=%2Fapp")
		if res.StatusCode == http.StatusFound {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("login start still %d after the provider came back", res.StatusCode)
		}
		time.Sleep(20 * time.Millisecond)
	}
	resp, err := kakaotest.Login(c, h.base+"/app", 1001)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK || h.up.last(t).Header.Get("X-Auth-User-Id") != "1001" {
		t.Fatalf("login after the provider came back: %d at %s", resp.StatusCode, resp.Request.URL)
	}
}

// TestProviderFailsDuringCallback makes the provider fail after the browser came back with a
// code: a 5xx or a hanging token endpoint, a failing user API. The answer is 502/503 within a
// bounded time, with no session and nothing upstream.
func TestProviderFailsDuringCallback(t *testing.T) {
	tests := []struct {
		name  string
		path  string
		fault kakaotest.Fault
	}{
		{"token endpoint answers 500", "/oauth/token", kakaotest.Fault{Status: http.StatusInternalServerError}},
		{"token endpoint answers 503 with garbage", "/oauth/token", kakaotest.Fault{Status: http.StatusServiceUnavailable, Body: "<html>maintenance"}},
		// The emulator cannot notice a client giving up on a POST whose body it has not read,
		// so the hang is bounded to keep the emulator's Close short.
		{"token endpoint hangs", "/oauth/token", kakaotest.Fault{Delay: 3 * providerTimeout}},
		{"user API answers 500", "/v2/user/me", kakaotest.Fault{Status: http.StatusInternalServerError}},
		{"user API hangs", "/v2/user/me", kakaotest.Fault{Delay: time.Minute}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, harnessOptions{})
			c := h.browser()
			cb := h.authorize(c, "/app", 1001)
			h.kakao.SetFault(tt.path, tt.fault)
			start := time.Now()
			res := h.get(noFollow(c), cb)
			elapsed := time.Since(start)
			if res.StatusCode != http.StatusBadGateway && res.StatusCode != http.StatusServiceUnavailable {
				t.Fatalf("callback: %d, want 502 or 503\n%s", res.StatusCode, res.body)
			}
			if limit := 2 * providerTimeout; elapsed > limit {
				t.Errorf("callback took %v, want at most %v", elapsed, limit)
			}
			id := h.problemID(t, res, true)
			h.assertLogged(t, id)
			if strings.Contains(res.body, "settings") {
				t.Errorf("a provider outage is blamed on the site's settings:\n%s", res.body)
			}
			if h.setsSession(res) {
				t.Error("session set although the provider failed")
			}
			if n := h.up.count(); n != 0 {
				t.Errorf("%d requests reached the upstream", n)
			}
			if n := h.kakao.Calls("/oauth/token"); n != 1 {
				t.Errorf("token calls = %d, want exactly 1 (no retry of a code)", n)
			}
		})
	}
}

// newRedisStore returns a RedisStore on a throwaway redis-server with short timeouts, and
// the server and client.
func newRedisStore(t *testing.T) (*session.RedisStore, *redistest.Server, *redis.Client) {
	t.Helper()
	srv := redistest.Start(t)
	client := redis.NewClient(&redis.Options{
		Addr: srv.Addr(), DialTimeout: 200 * time.Millisecond,
		ReadTimeout: 300 * time.Millisecond, WriteTimeout: 300 * time.Millisecond,
		MaxRetries: 1, DialerRetries: 1, DialerRetryTimeout: 10 * time.Millisecond, ContextTimeoutEnabled: true,
	})
	t.Cleanup(func() { _ = client.Close() })
	return session.NewRedisStore(client, session.RedisOptions{}), srv, client
}

// TestRedisOutageFailsClosed stops Redis under a logged-in browser: protected routes answer
// 503 and never reach the upstream, /me and logout answer 503 and a login cannot complete.
// When Redis is back with its data, the same session works again, with the same gateway.
func TestRedisOutageFailsClosed(t *testing.T) {
	store, srv, client := newRedisStore(t)
	h := newHarness(t, harnessOptions{store: store, locker: session.NewRedisLocker(client, session.RedisOptions{})})
	c := h.browser()
	h.login(c, "/", 1001)
	if res := h.get(c, "/app", "Accept: application/json"); res.StatusCode != http.StatusOK {
		t.Fatalf("before the outage: %d %s", res.StatusCode, res.body)
	}
	before := h.up.count()
	// Persist what Redis holds, as a production Redis would, so a restart keeps the session.
	if err := client.Save(context.Background()).Err(); err != nil {
		t.Fatalf("SAVE: %v", err)
	}
	srv.Stop()

	other := h.browser()
	cb := h.authorize(other, "/", 1004) // a login that comes back during the outage
	tests := []struct {
		name   string
		client *http.Client
		method string
		target string
		html   bool
	}{
		{"protected API call", c, http.MethodGet, "/app", false},
		{"protected page", c, http.MethodGet, "/app", true},
		{"me", c, http.MethodGet, "/.auth/me", false},
		{"logout page", c, http.MethodGet, "/.auth/logout", true},
		{"login completing", other, http.MethodGet, cb, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			accept := "Accept: application/json"
			if tt.html {
				accept = "Accept: text/html"
			}
			start := time.Now()
			res := h.do(noFollow(tt.client), tt.method, tt.target, nil, accept)
			if res.StatusCode != http.StatusServiceUnavailable {
				t.Fatalf("%s during the outage: %d, want 503\n%s", tt.target, res.StatusCode, res.body)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("answer took %v", d)
			}
			h.assertLogged(t, h.problemID(t, res, tt.html))
			if h.setsSession(res) {
				t.Error("session cookie set during the outage")
			}
			for _, ck := range res.Cookies() {
				if ck.Name == h.gw.cookies.session {
					t.Errorf("the session cookie was dropped because the store was down: %v", ck)
				}
			}
		})
	}
	if n := h.up.count(); n != before {
		t.Fatalf("%d requests reached the upstream during the outage", n-before)
	}

	srv.Start()
	deadline := time.Now().Add(5 * time.Second)
	for {
		res := h.get(c, "/app", "Accept: application/json")
		if res.StatusCode == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after Redis came back: %d %s", res.StatusCode, res.body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got := h.up.last(t).Header.Get("X-Auth-User-Id"); got != "1001" {
		t.Errorf("after the outage X-Auth-User-Id = %q, want 1001", got)
	}
}

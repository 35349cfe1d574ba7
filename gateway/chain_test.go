package gateway

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/session"
)

// readCountingStore is a memory store that counts its session reads and announces nothing,
// so that no Manager caches a session and every Load reads the store.
type readCountingStore struct {
	session.Store
	reads atomic.Int64
}

func (s *readCountingStore) Get(ctx context.Context, id string) ([]byte, error) {
	s.reads.Add(1)
	return s.Store.Get(ctx, id)
}

func (s *readCountingStore) Invalidations() *session.Invalidations { return nil }

func newReadCountingStore(t *testing.T) *readCountingStore {
	ms := session.NewMemoryStore(session.MemoryOptions{})
	t.Cleanup(func() { _ = ms.Close() })
	return &readCountingStore{Store: ms}
}

// chainedHarness is a harness whose gateway protects /first only, followed on every request
// by a second, optional gateway over the same sessions that protects everything and puts the
// user id in X-Remote-User: two kakaogate handlers in one route. store keeps the sessions.
func chainedHarness(t *testing.T, store session.Store) *harness {
	var second *Gateway
	h := newHarness(t, harnessOptions{store: store, after: func(h *harness, up Next) Next {
		return func(w http.ResponseWriter, r *http.Request) error { return second.ServeHTTP(w, r, up) }
	}})
	h.gw.protects = func(r *http.Request) (bool, error) { return strings.HasPrefix(r.URL.Path, "/first"), nil }
	cfg := *h.cfg
	cfg.Optional = true
	cfg.Headers = []config.HeaderClaim{{Header: "X-Remote-User", Claim: "id"}}
	var err error
	second, err = New(Options{Config: &cfg, RP: h.gw.idps[0].rp, Kakao: h.gw.kakao, Sessions: h.gw.sessions,
		Locker: h.gw.locker, Now: h.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(second.Close)
	return h
}

// TestChainedGatewaysShareTheSession: the first gateway does not protect /second and passes
// it on without its cookies; the second still finds the session, read from the store once
// per request for both gateways, and what reaches the app holds the second's identity
// header, never a client's nor a gateway cookie.
func TestChainedGatewaysShareTheSession(t *testing.T) {
	store := newReadCountingStore(t)
	h := chainedHarness(t, store)
	forged := []string{"X-Remote-User: admin", "X-Auth-Role: admin"}

	anon := h.browser()
	if res := h.get(anon, "/second", forged...); res.StatusCode != http.StatusOK {
		t.Fatalf("/second without a session: %d", res.StatusCode)
	}
	up := h.up.last(t).Header
	if up.Get("X-Remote-User") != "" || up.Get("X-Auth-Role") != "" || up.Get("X-Auth-Status") != statusAnonymous {
		t.Fatalf("anonymous request upstream: %v", up)
	}

	c := h.browser()
	h.login(c, "/first", 1001)
	for _, path := range []string{"/first", "/second"} {
		before := store.reads.Load()
		if res := h.get(c, path, forged...); res.StatusCode != http.StatusOK {
			t.Fatalf("%s with a session: %d", path, res.StatusCode)
		}
		if n := store.reads.Load() - before; n != 1 {
			t.Fatalf("%s: the session was read from the store %d times, want once for both gateways", path, n)
		}
		up = h.up.last(t).Header
		if up.Get("X-Remote-User") != "1001" || up.Get("X-Auth-Role") != "" {
			t.Fatalf("%s upstream: X-Remote-User %q X-Auth-Role %q", path, up.Get("X-Remote-User"), up.Get("X-Auth-Role"))
		}
		if strings.Contains(up.Get("Cookie"), h.gw.cookies.prefix) {
			t.Fatalf("%s upstream saw the gateway's cookies: %q", path, up.Get("Cookie"))
		}
	}
}

// TestChainIdentityDiffers names each setting two gateways on one request must share.
func TestChainIdentityDiffers(t *testing.T) {
	base := chainIdentity{provider: config.ProviderKakao, issuer: "https://kauth.example", clientID: "a", prefix: "/.auth",
		cookiePrefix: "__Host-kakaogate", sessionCookie: config.SessionCookiePersistent, sessions: new(session.Manager)}
	for _, tc := range []struct {
		name   string
		change func(*chainIdentity)
		want   string
	}{
		{"same", func(*chainIdentity) {}, ""},
		{"issuer", func(c *chainIdentity) { c.issuer = "https://other.example" }, "issuer"},
		{"client", func(c *chainIdentity) { c.clientID = "b" }, "client_id"},
		{"prefix", func(c *chainIdentity) { c.prefix = "/auth" }, "path_prefix"},
		{"cookies", func(c *chainIdentity) { c.cookiePrefix = "kakaogate" }, "cookie names"},
		{"secret", func(c *chainIdentity) { c.secrets[0] = 1 }, "cookie_secret"},
		{"provider", func(c *chainIdentity) { c.provider = config.ProviderOIDC }, "provider (kakao before, oidc here)"},
		{"client secret", func(c *chainIdentity) { c.clientSecret[0] = 1 }, "client_secret"},
		{"provider blocks", func(c *chainIdentity) { c.extraBlocks[0] = 1 }, "provider <name> { … } blocks"},
		{"cookie domain", func(c *chainIdentity) { c.cookieDomain = "example.com" }, "cookie_domain (none before, example.com here)"},
		{"session cookie", func(c *chainIdentity) { c.sessionCookie = config.SessionCookieBrowser }, "session_cookie (persistent before, browser here)"},
		{"session store", func(c *chainIdentity) { c.sessions = new(session.Manager) }, "session (the store"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			later := base
			tc.change(&later)
			got := base.differs(later)
			if (tc.want == "") != (got == "") || !strings.HasPrefix(got, tc.want) {
				t.Fatalf("differs = %q, want it to start with %q", got, tc.want)
			}
		})
	}
}

package gateway

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/internal/testupstream"

	"github.com/kakaogate/kakaogate/internal/testclock"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/kakaotest"
	"github.com/kakaogate/kakaogate/oidc"
	"github.com/kakaogate/kakaogate/oidc/kakao"
	"github.com/kakaogate/kakaogate/oidc/oidctest"
	"github.com/kakaogate/kakaogate/session"
)

// testCookieSecret is the cookie_secret of the gateways under test.
const testCookieSecret = "gateway-flow-test-cookie-secret-0123456789abcdef"

// providerTimeout bounds every call the gateway under test makes to the provider, so
// hanging-endpoint tests finish quickly.
const providerTimeout = 750 * time.Millisecond

// upstream is the next handler: it records every request that reaches it.
type upstream struct{ testupstream.Recorder }

func (u *upstream) serve(w http.ResponseWriter, r *http.Request) error {
	u.Record(r)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = fmt.Fprintf(w, "upstream %s", r.URL.RequestURI())
	return nil
}

// count is how many requests reached the upstream.
func (u *upstream) count() int { return u.Count() }

// last is the most recent request that reached the upstream.
func (u *upstream) last(t *testing.T) *http.Request { return u.Last(t) }

// harnessOptions shape one gateway under test.
type harnessOptions struct {
	// provider is config.ProviderKakao (default, against kakaotest) or config.ProviderOIDC
	// (against oidctest).
	provider string
	// op configures the fake OP of provider oidc.
	op oidctest.Options
	// emulator adjusts the Kakao emulator's options (provider kakao).
	emulator func(*kakaotest.Options)
	// store keeps the sessions; default a fresh MemoryStore.
	store session.Store
	// locker grants refresh leases; default a MemoryLocker.
	locker session.Locker
	// issuer, when set, is the issuer (and Kakao API URL) used instead of starting a provider:
	// the test serves it itself, or not at all.
	issuer string
	// configure edits the configuration before SetDefaults and Validate.
	configure func(*config.Config)
	// onIdentity is passed as Options.OnIdentity.
	onIdentity func(*http.Request, map[string]string)
	// clock, when set, is the gateway's and its sessions' clock (share it with a store the
	// test builds); default a fresh one.
	clock *testclock.Clock
	// after, when set, builds what follows the gateway from the upstream (another gateway
	// on the same request, say); it is called for each request.
	after func(h *harness, up Next) Next
	// public are paths the gateway lets through without a login (as a Caddyfile matcher
	// would); default none: the whole site is protected.
	public []string
	// revoker, when set, builds the Revoker over the gateway's sessions (Options.Revoker).
	revoker func(*session.Manager) *session.Revoker
}

// harness is one Gateway served by an httptest.Server in front of a recording upstream, with
// its provider (the Kakao emulator or a fake OP), its session store and an observed logger.
type harness struct {
	t     testing.TB
	base  string // http://localhost:<port>; the IdPs live on 127.0.0.1, another cookie host
	gw    *Gateway
	cfg   *config.Config
	up    *upstream
	logs  *observer.ObservedLogs
	clock *testclock.Clock
	kakao *kakaotest.Server // provider kakao
	op    *oidctest.Server  // provider oidc
}

func newHarness(t testing.TB, o harnessOptions) *harness {
	t.Helper()
	core, logs := observer.New(zapcore.DebugLevel)
	logger := zap.New(core)
	h := &harness{t: t, up: &upstream{}, logs: logs, clock: o.clock}
	if h.clock == nil {
		h.clock = testclock.Shifted()
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next := Next(h.up.serve)
		if o.after != nil {
			next = o.after(h, next)
		}
		if err := h.gw.ServeHTTP(w, r, next); err != nil {
			http.Error(w, "next failed: "+err.Error(), http.StatusInternalServerError)
		}
	}))
	t.Cleanup(srv.Close)
	h.base = "http://localhost:" + srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	callback := h.base + "/.auth/callback"

	if o.provider == "" {
		o.provider = config.ProviderKakao
	}
	cfg := &config.Config{Provider: o.provider, CookieSecrets: []string{testCookieSecret}}
	switch {
	case o.issuer != "":
		cfg.ClientID, cfg.ClientSecret = kakaotest.DefaultClientID, kakaotest.DefaultClientSecret
		cfg.Issuer, cfg.APIURL = o.issuer, o.issuer
	case o.provider == config.ProviderKakao:
		emu := kakaotest.Options{
			RedirectURIs:       []string{callback},
			LogoutRedirectURIs: []string{h.base + "/.auth/logout/callback"},
			WebhookURL:         h.base + "/.auth/webhook/unlink",
		}
		if o.emulator != nil {
			o.emulator(&emu)
		}
		h.kakao = kakaotest.NewServer(emu)
		t.Cleanup(h.kakao.Close)
		cfg.ClientID, cfg.ClientSecret = h.kakao.ClientID(), kakaotest.DefaultClientSecret
		cfg.Issuer, cfg.APIURL = h.kakao.Issuer(), h.kakao.URL()
	default:
		if o.op.RedirectURIs == nil {
			o.op.RedirectURIs = []string{callback}
		}
		h.op = oidctest.NewServer(t, o.op)
		cfg.ClientID, cfg.ClientSecret, cfg.Issuer = h.op.ClientID, h.op.ClientSecret, h.op.Issuer
	}
	if o.configure != nil {
		o.configure(cfg)
	}
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		t.Fatalf("test config: %v", err)
	}
	h.cfg = cfg

	provider, err := oidc.NewProvider(oidc.ProviderOptions{
		Issuer: cfg.Issuer, Timeout: providerTimeout, Logger: logger.Named("oidc"),
		RetryMin: 10 * time.Millisecond, RetryMax: 50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(provider.Close)
	rp := &oidc.Client{Provider: provider, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, Scopes: cfg.Scopes}
	var kakaoAPI *kakao.API
	if cfg.Provider == config.ProviderKakao {
		rp.ScopeSeparator = ","
		kakaoAPI = &kakao.API{BaseURL: cfg.APIURL, Timeout: providerTimeout}
	}
	store := o.store
	if store == nil {
		ms := session.NewMemoryStore(session.MemoryOptions{})
		t.Cleanup(func() { _ = ms.Close() })
		store = ms
	}
	locker := o.locker
	if locker == nil {
		locker = session.NewMemoryLocker(h.clock.Now)
	}
	sessions, err := session.NewManager(store, session.ManagerOptions{Lifetime: time.Duration(cfg.SessionLifetime), IdleTimeout: time.Duration(cfg.IdleTimeout), Now: h.clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	var revoker *session.Revoker
	if o.revoker != nil {
		revoker = o.revoker(sessions)
		t.Cleanup(revoker.Close)
	}
	h.gw, err = New(Options{
		Config: cfg, RP: rp, Kakao: kakaoAPI, Sessions: sessions, Logger: logger, Locker: locker,
		Now: h.clock.Now, OnIdentity: o.onIdentity, Revoker: revoker,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.gw.Close)
	if len(o.public) > 0 {
		h.gw.protects = func(r *http.Request) (bool, error) { return !slices.Contains(o.public, r.URL.Path), nil }
	}
	return h
}

// browser returns a client with a cookie jar that navigates like a browser: it follows
// redirects and asks for HTML unless a request sets Accept itself.
func (h *harness) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 10 * time.Second, Transport: navigationTransport{}}
}

// navigationTransport marks every request without an Accept header as a page navigation.
type navigationTransport struct{}

// harnessTransport is the browsers' own transport: httptest.Server.Close closes the idle
// connections of http.DefaultTransport, which would break a parallel test's request.
var harnessTransport = http.DefaultTransport.(*http.Transport).Clone()

func (navigationTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Header.Get("Accept") == "" {
		r = r.Clone(r.Context())
		r.Header.Set("Accept", "text/html,application/xhtml+xml")
		r.Header.Set("Sec-Fetch-Mode", "navigate")
	}
	return harnessTransport.RoundTrip(r)
}

// noFollow returns a copy of c (same jar) that stops at the first redirect.
func noFollow(c *http.Client) *http.Client {
	cc := *c
	cc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cc
}

// result is a response with its body read.
type result struct {
	*http.Response
	body string
}

// do sends one request through c (path relative to the gateway, or absolute) with headers
// given as "Name: value", and reads the answer.
func (h *harness) do(c *http.Client, method, target string, body io.Reader, headers ...string) *result {
	h.t.Helper()
	if strings.HasPrefix(target, "/") {
		target = h.base + target
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, hd := range headers {
		name, value, _ := strings.Cut(hd, ":")
		req.Header.Add(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	resp, err := c.Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatalf("%s %s: reading body: %v", method, target, err)
	}
	return &result{Response: resp, body: string(b)}
}

// get is a GET through c; see do.
func (h *harness) get(c *http.Client, target string, headers ...string) *result {
	h.t.Helper()
	return h.do(c, http.MethodGet, target, nil, headers...)
}

// startLogin opens <prefix>/login?rd=rd without following and returns the state the
// gateway put in the authorization request, and that request's URL.
func (h *harness) startLogin(c *http.Client, rd string) (state string, authURL string) {
	h.t.Helper()
	res := h.get(noFollow(c), "/.auth/login?rd="+url.QueryEscape(rd))
	if res.StatusCode != http.StatusFound {
		h.t.Fatalf("login start: %d, want 302\n%s", res.StatusCode, res.body)
	}
	loc, err := url.Parse(res.Header.Get("Location"))
	if err != nil || loc.Query().Get("state") == "" {
		h.t.Fatalf("login start: Location %q has no state", res.Header.Get("Location"))
	}
	return loc.Query().Get("state"), loc.String()
}

// authorize starts a login returning to rd, signs user in at the provider and returns the
// callback URL the provider redirected to, without opening it.
func (h *harness) authorize(c *http.Client, rd string, user int64) string {
	h.t.Helper()
	_, authURL := h.startLogin(c, rd)
	return h.signIn(c, authURL, user)
}

// signIn opens the provider's authorization URL authURL with c, signs user in and returns
// the callback URL the provider redirected to, without opening it.
func (h *harness) signIn(c *http.Client, authURL string, user int64) string {
	h.t.Helper()
	cc := *c
	host := strings.TrimPrefix(h.base, "http://")
	cc.CheckRedirect = func(req *http.Request, _ []*http.Request) error {
		if req.URL.Host == host {
			return http.ErrUseLastResponse // stop at the redirect back to the gateway
		}
		return nil
	}
	resp, err := kakaotest.Login(&cc, authURL, user)
	if err != nil {
		h.t.Fatalf("signing in as %d: %v", user, err)
	}
	_ = resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, h.base+"/.auth/callback?") {
		h.t.Fatalf("provider answered %d with Location %q, want a redirect to the callback", resp.StatusCode, loc)
	}
	return loc
}

// login runs a whole login returning to rd through c and returns the callback's answer (not
// followed): normally a 302 to rd with the session cookie.
func (h *harness) login(c *http.Client, rd string, user int64) *result {
	h.t.Helper()
	res := h.get(noFollow(c), h.authorize(c, rd, user))
	if res.StatusCode != http.StatusFound {
		h.t.Fatalf("callback: %d, want 302\n%s", res.StatusCode, res.body)
	}
	return res
}

package caddymodule

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/internal/redistest"
	"github.com/kakaogate/kakaogate/kakaotest"
)

// site is one provisioned Handler served over HTTP on localhost, in front of an upstream that
// answers 200, against the Kakao emulator.
type site struct {
	h    *Handler
	base string
	emu  *kakaotest.Server
}

// newSite provisions a Handler with ctx (so with ctx's metrics registry) against emu.
func newSite(t *testing.T, ctx caddy.Context, emu *kakaotest.Server, base string, configure func(*config.Config)) *site {
	t.Helper()
	h := &Handler{Config: config.Config{
		ClientID: emu.ClientID(), ClientSecret: kakaotest.DefaultClientSecret,
		Issuer: emu.Issuer(), APIURL: emu.URL(), CookieSecrets: []string{testSecret},
		AdminToken: strings.Repeat("a", 32),
	}}
	if configure != nil {
		configure(&h.Config)
	}
	if err := h.Provision(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Cleanup() })
	if err := h.Validate(); err != nil {
		t.Fatalf("test config: %v", err)
	}
	return &site{h: h, base: base, emu: emu}
}

// serve starts an HTTP server for s on a free loopback port and returns its base URL.
func serve(t *testing.T, handler func() *Handler) string {
	t.Helper()
	next := caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		_, _ = w.Write([]byte("upstream"))
		return nil
	})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = r.WithContext(context.WithValue(r.Context(), caddy.ReplacerCtxKey, caddy.NewReplacer()))
		if err := handler().ServeHTTP(w, r, next); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	}))
	t.Cleanup(srv.Close)
	return "http://localhost:" + srv.URL[strings.LastIndex(srv.URL, ":")+1:]
}

// browserClient follows redirects with a cookie jar and asks for HTML.
func browserClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 10 * time.Second, Transport: htmlOnly{}}
}

type htmlOnly struct{}

func (htmlOnly) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Header.Get("Accept") == "" {
		r = r.Clone(r.Context())
		r.Header.Set("Accept", "text/html")
	}
	return http.DefaultTransport.RoundTrip(r)
}

// metricValue is the value of the counter (or the sample count of the histogram) name with
// exactly the given labels in reg, 0 when it has none.
func metricValue(t *testing.T, reg prometheus.Gatherer, name string, labels ...string) float64 {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatalf("gathering metrics: %v", err)
	}
	want := map[string]string{}
	for i := 0; i+1 < len(labels); i += 2 {
		want[labels[i]] = labels[i+1]
	}
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if !labelsMatch(m, want) {
				continue
			}
			if m.GetCounter() != nil {
				return m.GetCounter().GetValue()
			}
			return float64(m.GetHistogram().GetSampleCount())
		}
	}
	return 0
}

func labelsMatch(m *dto.Metric, want map[string]string) bool {
	if len(m.GetLabel()) != len(want) {
		return false
	}
	for _, l := range m.GetLabel() {
		if want[l.GetName()] != l.GetValue() {
			return false
		}
	}
	return true
}

// TestMetricsCountLoginsRefreshesRevocationsAndStoreErrors drives a handler provisioned with a
// real Caddy context through logins (good and failed), a refresh, a logout, an admin
// revocation and a Redis outage, and reads every counter from the context's registry.
func TestMetricsCountLoginsRefreshesRevocationsAndStoreErrors(t *testing.T) {
	rs := redistest.Start(t)
	var s *site
	base := serve(t, func() *Handler { return s.h })
	emu := kakaotest.NewServer(kakaotest.Options{
		RedirectURIs:   []string{base + "/.auth/callback"},
		AccessTokenTTL: 2 * time.Minute, // inside the refresh margin: the next request refreshes
	})
	t.Cleanup(emu.Close)
	ctx := newContext(t)
	reg := ctx.GetMetricsRegistry()
	s = newSite(t, ctx, emu, base, func(c *config.Config) {
		c.Session = &config.SessionStore{Store: config.StoreRedis, URL: "redis://" + rs.Addr() + "/0"}
	})
	// The collectors are the process's: other tests may have counted before; compare deltas.
	start := map[string]float64{}
	key := func(name string, labels []string) string { return name + strings.Join(labels, ",") }
	for _, m := range [][]string{
		{"kakaogate_logins_started_total", "provider", "kakao"},
		{"kakaogate_logins_succeeded_total", "provider", "kakao"},
		{"kakaogate_logins_failed_total", "provider", "kakao", "reason", "invalid_state"},
		{"kakaogate_token_refreshes_total", "outcome", "refreshed"},
		{"kakaogate_revocations_total", "source", "logout"},
		{"kakaogate_revocations_total", "source", "admin"},
	} {
		start[key(m[0], m[1:])] = metricValue(t, reg, m[0], m[1:]...)
	}
	delta := func(name string, labels ...string) float64 {
		return metricValue(t, reg, name, labels...) - start[key(name, labels)]
	}

	// Two good logins.
	a, b := browserClient(), browserClient()
	for _, c := range []*http.Client{a, b} {
		resp, err := kakaotest.Login(c, base+"/app", 1001)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("login ended with %d", resp.StatusCode)
		}
	}
	// A callback without a login in progress.
	resp, err := browserClient().Get(base + "/.auth/callback?state=" + strings.Repeat("x", 43) + "&code=c")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	checks := []struct {
		name   string
		labels []string
		want   float64
	}{
		{"kakaogate_logins_started_total", []string{"provider", "kakao"}, 2},
		{"kakaogate_logins_succeeded_total", []string{"provider", "kakao"}, 2},
		{"kakaogate_logins_failed_total", []string{"provider", "kakao", "reason", "invalid_state"}, 1},
		{"kakaogate_jwks_refreshes_total", []string{"issuer", emu.Issuer(), "outcome", "ok"}, 1},
		{"kakaogate_jwks_refreshes_total", []string{"issuer", emu.Issuer(), "outcome", "error"}, 0},
	}
	for _, c := range checks {
		if got := delta(c.name, c.labels...); got != c.want {
			t.Errorf("%s%v increased by %v, want %v", c.name, c.labels, got, c.want)
		}
	}

	// Every request refreshes the tokens (2-minute access tokens): the landing page after each
	// login did, and so does the next one.
	if got := delta("kakaogate_token_refreshes_total", "outcome", "refreshed"); got != 2 {
		t.Errorf("refreshes{refreshed} after two logins increased by %v, want 2", got)
	}
	resp, err = a.Get(base + "/app")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := delta("kakaogate_token_refreshes_total", "outcome", "refreshed"); got != 3 {
		t.Errorf("refreshes{refreshed} increased by %v, want 3", got)
	}
	for _, op := range []string{"put", "get", "replace"} {
		if got := metricValue(t, reg, "kakaogate_session_store_duration_seconds", "operation", op); got == 0 {
			t.Errorf("no %s latency observed", op)
		}
	}

	// Logging out through the confirmation page, then an admin revocation.
	page, err := a.Get(base + "/.auth/logout")
	if err != nil {
		t.Fatal(err)
	}
	if resp, err = kakaotest.SubmitForm(a, page, "confirm", "yes"); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	req, _ := http.NewRequest(http.MethodPost, base+"/.auth/admin/revoke?user_id=1001", nil)
	req.Header.Set("Authorization", "Bearer "+strings.Repeat("a", 32))
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, source := range []string{"logout", "admin"} {
		if got := delta("kakaogate_revocations_total", "source", source); got != 1 {
			t.Errorf("revocations{%s} increased by %v, want 1", source, got)
		}
	}

	// Redis goes away: b's next request fails closed and the store error is counted.
	errorsBefore := metricValue(t, reg, "kakaogate_session_store_errors_total", "operation", "get")
	rs.Stop()
	resp, err = b.Get(base + "/app")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("with Redis down: %d, want 503", resp.StatusCode)
	}
	if got := metricValue(t, reg, "kakaogate_session_store_errors_total", "operation", "get"); got != errorsBefore+1 {
		t.Errorf("store errors{get} = %v, want %v", got, errorsBefore+1)
	}
}

// TestMetricsSurviveReloadsAndSecondHandlers provisions two handlers in one configuration
// (one registry: no duplicate-registration error) and then a new configuration (a new
// registry, as on a reload, while the old one is still up): the collectors are registered in
// each and keep counting.
func TestMetricsSurviveReloadsAndSecondHandlers(t *testing.T) {
	old := newContext(t)
	a, b := validHandler(), validHandler()
	for _, h := range []*Handler{a, b} {
		if err := h.Provision(old); err != nil {
			t.Fatalf("Provision into a shared registry: %v", err)
		}
		t.Cleanup(func() { _ = h.Cleanup() })
	}
	a.gw.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/.auth/callback", nil), nil)
	before := metricValue(t, old.GetMetricsRegistry(), "kakaogate_logins_failed_total", "provider", "kakao", "reason", "invalid_state")
	if before == 0 {
		t.Fatal("the failed callback was not counted")
	}

	reloaded := newContext(t)
	c := validHandler()
	if err := c.Provision(reloaded); err != nil {
		t.Fatalf("Provision into a new registry: %v", err)
	}
	t.Cleanup(func() { _ = c.Cleanup() })
	if err := a.Cleanup(); err != nil { // the old configuration goes away
		t.Fatal(err)
	}
	c.gw.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/.auth/callback", nil), nil)
	if got := metricValue(t, reloaded.GetMetricsRegistry(), "kakaogate_logins_failed_total", "provider", "kakao", "reason", "invalid_state"); got != before+1 {
		t.Fatalf("after the reload the counter is %v, want %v (it must keep counting)", got, before+1)
	}
}

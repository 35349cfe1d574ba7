package gateway

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/kakaotest"
)

// fuzzCallbackReturn is where the logins of FuzzCallback return to.
const fuzzCallbackReturn = "/fuzz"

// callbackFixture is what one FuzzCallback input can refer to: a started login (state and
// login cookie) and, once signed in at the provider, the genuine code.
type callbackFixture struct {
	state, loginCookie, code string
}

// prepareCallback starts a login when mode ≥ 1 and signs user 1001 in at the provider when
// mode is 2, returning what the placeholders stand for. It reports false when the provider
// refused (the input is then skipped).
func prepareCallback(h *harness, browser *http.Client, mode uint8) (callbackFixture, bool) {
	var fx callbackFixture
	if mode == 0 {
		return fx, true
	}
	status, c, loc := startGenuineLogin(h, fuzzCallbackReturn)
	if status != http.StatusFound || c == nil {
		return fx, false
	}
	fx.state, fx.loginCookie = strings.TrimPrefix(c.Name, h.gw.cookies.loginPrefix), c.Name+"="+c.Value
	if mode == 1 {
		return fx, true
	}
	resp, err := kakaotest.Login(browser, loc, 1001)
	if err != nil {
		return fx, false
	}
	_ = resp.Body.Close()
	cb, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || cb.Query().Get("state") != fx.state {
		return fx, false
	}
	fx.code = cb.Query().Get("code")
	return fx, fx.code != ""
}

// FuzzCallback drives the callback endpoint with arbitrary raw query strings and Cookie
// headers, with no login in progress (mode 0), with a started login (1) or with a login the
// provider approved (2). Placeholders name the genuine values, which differ in every fuzzing
// process: {S} the state, {C} the code, {I} the issuer (query-escaped) in the query, {L} the
// login cookie in the Cookie header. Properties: no panic, nothing ever proxied upstream, only
// the statuses of the callback's documented answers, and a session only for a query whose
// state and code are the genuine ones, returning to the login's own path. Seeds:
// testdata/fuzz.
func FuzzCallback(f *testing.F) {
	// Junk codes are most inputs: the failed-exchange budget (tested in TestCase_gw_edge_05_FailedCodeExchangesAreBudgeted)
	// is off, so the genuine callback still logs in after thousands of them.
	h := newHarness(f, harnessOptions{configure: func(c *config.Config) { c.FailedExchanges = &config.ExchangeLimit{Off: true} }})
	browser := noFollowTo(h.browser(), h.base)
	allowed := []int{http.StatusFound, http.StatusBadRequest, http.StatusUnauthorized,
		http.StatusForbidden, http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable}
	f.Fuzz(func(t *testing.T, rawQuery, cookieHeader string, mode uint8) {
		defer h.logs.TakeAll()
		mode %= 3
		fx, ok := prepareCallback(h, browser, mode)
		if !ok {
			t.Skip("the provider did not complete the login")
		}
		query := strings.NewReplacer("{S}", fx.state, "{C}", fx.code, "{I}", url.QueryEscape(h.cfg.Issuer)).Replace(rawQuery)
		cookie := strings.ReplaceAll(cookieHeader, "{L}", fx.loginCookie)
		r := httptest.NewRequest(http.MethodGet, h.base+"/.auth/callback", nil)
		r.URL.RawQuery = query
		r.Header.Set("Cookie", cookie)
		r.Header.Set("Accept", "text/html")
		w := httptest.NewRecorder()
		if err := h.gw.ServeHTTP(w, r, h.up.serve); err != nil {
			t.Fatalf("ServeHTTP: %v", err)
		}
		res := w.Result()
		if n := h.up.count(); n != 0 {
			t.Fatalf("the callback proxied %d requests upstream", n)
		}
		if !slices.Contains(allowed, res.StatusCode) {
			t.Fatalf("callback %.200q answered %d", query, res.StatusCode)
		}
		session := false
		for _, c := range res.Cookies() {
			session = session || (c.Name == h.gw.cookies.session && c.Value != "" && c.MaxAge > 0)
		}
		q, qerr := url.ParseQuery(query)
		genuine := mode == 2 && qerr == nil && q.Get("state") == fx.state && q.Get("code") == fx.code && q.Get("error") == ""
		if session && !genuine {
			t.Fatalf("callback %.200q (mode %d) started a session without the genuine state and code", query, mode)
		}
		if res.StatusCode == http.StatusFound && (!session || res.Header.Get("Location") != fuzzCallbackReturn) {
			t.Fatalf("callback %.200q redirected to %.200q (session %v)", query, res.Header.Get("Location"), session)
		}
		if rawQuery == "state={S}&code={C}" && cookieHeader == "{L}" && mode == 2 && !session {
			t.Fatalf("the genuine callback did not log in: %d", res.StatusCode)
		}
	})
}

// noFollowTo returns a copy of c that follows redirects except those to base.
func noFollowTo(c *http.Client, base string) *http.Client {
	cc := *c
	host := strings.TrimPrefix(base, "http://")
	cc.CheckRedirect = func(req *http.Request, _ []*http.Request) error {
		if req.URL.Host == host {
			return http.ErrUseLastResponse
		}
		return nil
	}
	return &cc
}

package gateway

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// genuineLogin is a login the gateway under test started itself: its cookie and what it seals.
type genuineLogin struct {
	name, value string
	state       loginState
}

// startGenuineLogin starts a login returning to rd straight through the gateway's handler and
// returns the status, the login cookie it set (name "" if none) and the Location.
func startGenuineLogin(h *harness, rd string) (status int, cookie *http.Cookie, location string) {
	r := httptest.NewRequest(http.MethodGet, h.base+"/.auth/login", nil)
	r.URL.RawQuery = "rd=" + url.QueryEscape(rd)
	r.Header.Set("Accept", "text/html")
	w := httptest.NewRecorder()
	_ = h.gw.ServeHTTP(w, r, h.up.serve)
	res := w.Result()
	for _, c := range res.Cookies() {
		if strings.HasPrefix(c.Name, h.gw.cookies.loginPrefix) && c.MaxAge > 0 {
			cookie = c
		}
	}
	return res.StatusCode, cookie, res.Header.Get("Location")
}

// FuzzLoginStart starts logins with arbitrary return paths: the answer is always a redirect to
// the provider carrying the state of exactly one new login cookie, the cookie opens, and it
// returns to safeReturnPath(rd) or, when that does not fit a cookie, to "/". Seeds:
// testdata/fuzz.
func FuzzLoginStart(f *testing.F) {
	h := newHarness(f, harnessOptions{})
	f.Fuzz(func(t *testing.T, rd string) {
		defer h.logs.TakeAll()
		status, c, loc := startGenuineLogin(h, rd)
		if status != http.StatusFound || c == nil {
			t.Fatalf("login start with rd %.100q: %d, cookie %v", rd, status, c)
		}
		u, err := url.Parse(loc)
		if err != nil || !strings.HasPrefix(loc, h.cfg.Issuer) {
			t.Fatalf("login start with rd %.100q: Location %.200q is not the provider", rd, loc)
		}
		ls, err := h.gw.openLoginState(c.Name, c.Value)
		if err != nil {
			t.Fatalf("the gateway's own login cookie does not open: %v", err)
		}
		if c.Name != h.gw.cookies.loginPrefix+ls.State || u.Query().Get("state") != ls.State {
			t.Fatalf("cookie %s and authorization state %q disagree with the sealed state %q", c.Name, u.Query().Get("state"), ls.State)
		}
		// JSON carries invalid UTF-8 as U+FFFD: harmless in a return path.
		if want := jsonRoundTrip(safeReturnPath(rd)); ls.ReturnTo != want && ls.ReturnTo != "/" {
			t.Fatalf("rd %.100q: return path %.100q, want %.100q or /", rd, ls.ReturnTo, want)
		}
	})
}

// jsonRoundTrip returns s as it comes back from JSON.
func jsonRoundTrip(s string) string {
	b, _ := json.Marshal(s)
	var out string
	_ = json.Unmarshal(b, &out)
	return out
}

// FuzzLoginStateCookie feeds arbitrary callback states and Cookie headers (mutations of
// genuine login cookies, cookies renamed to another state, cookies of another purpose) to the
// login-state decoder. It must never panic; it may only ever yield a state the gateway sealed
// itself, under that state's own name; and it only ever expires login cookies.
//
// Genuine values differ in every fuzzing process, so inputs name them with placeholders:
// {AS}, {AN} and {AV} are the state, cookie name and cookie value of login A ({BS}, {BN},
// {BV} of login B), and {XV} is A's state sealed under A's name for another purpose. Seeds:
// testdata/fuzz.
func FuzzLoginStateCookie(f *testing.F) {
	h := newHarness(f, harnessOptions{})
	var genuine []genuineLogin
	for _, rd := range []string{"/", "/app?x=1"} {
		_, c, _ := startGenuineLogin(h, rd)
		if c == nil {
			f.Fatal("no login cookie")
		}
		ls, err := h.gw.openLoginState(c.Name, c.Value)
		if err != nil {
			f.Fatal(err)
		}
		genuine = append(genuine, genuineLogin{c.Name, c.Value, *ls})
	}
	a, b := genuine[0], genuine[1]
	otherPurpose, err := h.gw.codecs.session.Encode(a.name, []byte(`{"s":"`+a.state.State+`"}`))
	if err != nil {
		f.Fatal(err)
	}
	expand := strings.NewReplacer(
		"{AS}", a.state.State, "{AN}", a.name, "{AV}", a.value,
		"{BS}", b.state.State, "{BN}", b.name, "{BV}", b.value, "{XV}", otherPurpose,
	).Replace
	byName := map[string]loginState{a.name: a.state, b.name: b.state}
	f.Fuzz(func(t *testing.T, state, cookieHeader string) {
		defer h.logs.TakeAll()
		state, cookieHeader = expand(state), expand(cookieHeader)
		r := httptest.NewRequest(http.MethodGet, h.base+"/.auth/callback", nil)
		r.Header.Set("Cookie", cookieHeader)
		for _, c := range r.Cookies() {
			ls, err := h.gw.openLoginState(c.Name, c.Value)
			if err != nil {
				continue
			}
			if want, ok := byName[c.Name]; !ok || !reflect.DeepEqual(*ls, want) {
				t.Fatalf("cookie %s opened to a state the gateway never sealed under that name: %+v", c.Name, ls)
			}
		}
		w := httptest.NewRecorder()
		ls, err := h.gw.takeLoginState(w, r, state)
		if err == nil {
			if want, ok := byName[h.gw.cookies.loginPrefix+state]; !ok || !reflect.DeepEqual(*ls, want) || ls.State != state {
				t.Fatalf("state %q accepted a login state the gateway never issued for it: %+v", state, ls)
			}
		}
		w2 := httptest.NewRecorder()
		h.gw.capLoginCookies(w2, r)
		for _, rec := range []*httptest.ResponseRecorder{w, w2} {
			for _, c := range rec.Result().Cookies() {
				if !strings.HasPrefix(c.Name, h.gw.cookies.loginPrefix) || c.MaxAge >= 0 {
					t.Fatalf("reading login state set cookie %s (Max-Age %d)", c.Name, c.MaxAge)
				}
			}
		}
	})
}

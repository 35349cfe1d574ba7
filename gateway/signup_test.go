package gateway

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/kakaotest"
	"github.com/kakaogate/kakaogate/oidc/oidctest"
)

// signupHarness is a gateway with signup app in front of an emulator whose auto-link is off;
// configure may add to the configuration, keys are the emulator's defined property keys.
func signupHarness(t *testing.T, configure func(*config.Config), keys ...string) *harness {
	t.Helper()
	return newHarness(t, harnessOptions{
		emulator: func(o *kakaotest.Options) { o.DisableAutoLink = true; o.PropertyKeys = keys },
		configure: func(c *config.Config) {
			c.PassAccessToken = true
			if configure != nil {
				configure(c)
			}
		},
	})
}

// signupForm opens target (a <prefix>/signup URL) with c and returns the page's first form.
func (h *harness) signupForm(t *testing.T, c *http.Client, target string) kakaotest.Form {
	t.Helper()
	page := h.get(c, target)
	if page.StatusCode != http.StatusOK || !strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("signup page %s: %d %s\n%s", target, page.StatusCode, page.Header.Get("Content-Type"), page.body)
	}
	forms, err := kakaotest.ParseForms(strings.NewReader(page.body), page.Request.URL)
	if err != nil || len(forms) == 0 {
		t.Fatalf("signup page has no form (%v):\n%s", err, page.body)
	}
	return forms[0]
}

// signUp confirms the signup page with c's session and checks the gateway sends it on (302).
func (h *harness) signUp(t *testing.T, c *http.Client) {
	t.Helper()
	form := h.signupForm(t, c, "/.auth/signup?rd=/")
	if res := h.postSignup(c, form.Action.String(), form.Fields); res.StatusCode != http.StatusFound {
		t.Fatalf("signup: %d\n%s", res.StatusCode, res.body)
	}
}

// postSignup POSTs fields to action through c without following the redirect.
func (h *harness) postSignup(c *http.Client, action string, fields url.Values) *result {
	h.t.Helper()
	return h.do(noFollow(c), http.MethodPost, action, strings.NewReader(fields.Encode()),
		"Content-Type: application/x-www-form-urlencoded", "Accept: text/html", "Origin: "+h.base)
}

// signedUpHeader is what the upstream hears of the signup of c's session: "false", "true"
// or "" (none).
func (h *harness) signedUpHeader(t *testing.T, c *http.Client) string {
	t.Helper()
	if res := h.get(c, "/private"); res.StatusCode != http.StatusOK {
		t.Fatalf("/private: %d\n%s", res.StatusCode, res.body)
	}
	return h.up.last(t).Header.Get("X-Auth-Signed-Up")
}

// TestSignupFinishesAndEverySessionFollows: the confirmation page's form POSTs back with a
// CSRF token; Kakao links the person, the browser goes to rd, and both of the person's
// sessions say X-Auth-Signed-Up: true at once.
func TestSignupFinishesAndEverySessionFollows(t *testing.T) {
	h := signupHarness(t, nil)
	c, other := h.browser(), h.browser()
	h.login(c, "/", 1001)
	h.login(other, "/", 1001)
	for _, b := range []*http.Client{c, other} {
		if got := h.signedUpHeader(t, b); got != "false" {
			t.Fatalf("before signup X-Auth-Signed-Up = %q, want false", got)
		}
	}
	form := h.signupForm(t, c, "/.auth/signup?rd="+url.QueryEscape("/welcome?tab=1"))
	if form.Method != http.MethodPost || form.Action.Path != "/.auth/signup" || form.Action.Query().Get("rd") != "/welcome?tab=1" ||
		form.Fields.Get("csrf") == "" {
		t.Fatalf("signup form = %s %s %v", form.Method, form.Action, form.Fields)
	}
	res := h.postSignup(c, form.Action.String(), form.Fields)
	if res.StatusCode != http.StatusFound || res.Header.Get("Location") != "/welcome?tab=1" {
		t.Fatalf("signup POST: %d → %q\n%s", res.StatusCode, res.Header.Get("Location"), res.body)
	}
	if !h.kakao.SignedUp(1001) {
		t.Fatal("Kakao did not link the person")
	}
	for name, b := range map[string]*http.Client{"this session": c, "another session": other} {
		if got := h.signedUpHeader(t, b); got != "true" {
			t.Errorf("%s after signup: X-Auth-Signed-Up = %q, want true", name, got)
		}
		var me struct{ Claims map[string]any }
		if r := h.get(b, "/.auth/me", "Accept: application/json"); json.Unmarshal([]byte(r.body), &me) != nil || me.Claims["has_signed_up"] != true {
			t.Errorf("%s after signup: /me %s", name, r.body)
		}
	}
	// Signed up: the page has nothing left to ask and sends the browser on.
	if again := h.get(noFollow(c), "/.auth/signup?rd=/next"); again.StatusCode != http.StatusFound || again.Header.Get("Location") != "/next" {
		t.Errorf("signup page after signup: %d → %q", again.StatusCode, again.Header.Get("Location"))
	}
}

// TestSignupRefusals: a POST without its session's CSRF token, Kakao unreachable or refusing
// leaves the person preregistered with a clear error; Kakao's "already linked" (-102) counts
// as done; rd never leaves the site.
func TestSignupRefusals(t *testing.T) {
	const alreadyLinked = `{"msg":"already registered","code":-102}`
	tests := []struct {
		name       string
		rd         string
		fault      *kakaotest.Fault
		csrf       func(own string) string
		wantStatus int
		wantCode   string // the error's code; "" for a redirect
		wantTo     string // Location of a redirect
		wantLinked bool   // the session says signed up afterwards
	}{
		{name: "no CSRF token", csrf: func(string) string { return "" }, wantStatus: 403, wantCode: "invalid_csrf"},
		{name: "forged CSRF token", csrf: func(own string) string { return own[:len(own)-3] + "xyz" }, wantStatus: 403, wantCode: "invalid_csrf"},
		{name: "rd to another origin", rd: "//evil.example/x", wantStatus: 302, wantTo: "/", wantLinked: true},
		{name: "rd absolute URL", rd: "https://evil.example/", wantStatus: 302, wantTo: "/", wantLinked: true},
		{name: "rd backslash", rd: `/\evil.example`, wantStatus: 302, wantTo: "/", wantLinked: true},
		{name: "already linked (-102)", rd: "/in", fault: &kakaotest.Fault{Status: 400, Body: alreadyLinked}, wantStatus: 302, wantTo: "/in", wantLinked: true},
		{name: "Kakao down", fault: &kakaotest.Fault{Status: 503}, wantStatus: 503, wantCode: "kakao_unavailable"},
		{name: "Kakao times out", fault: &kakaotest.Fault{Delay: 2 * providerTimeout}, wantStatus: 503, wantCode: "kakao_unavailable"},
		{name: "token expired", fault: &kakaotest.Fault{Status: 401, Body: `{"msg":"this access token is already expired","code":-401}`}, wantStatus: 401, wantCode: "login_expired"},
		{name: "unknown property", fault: &kakaotest.Fault{Status: 400, Body: `{"msg":"invalid property key","code":-201}`}, wantStatus: 502, wantCode: "signup_failed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := signupHarness(t, nil)
			c := h.browser()
			h.login(c, "/", 1001)
			form := h.signupForm(t, c, "/.auth/signup?rd="+url.QueryEscape(tt.rd))
			if tt.csrf != nil {
				form.Fields.Set("csrf", tt.csrf(form.Fields.Get("csrf")))
			}
			if tt.fault != nil {
				h.kakao.SetFault("/v1/user/signup", *tt.fault)
			}
			res := h.postSignup(c, form.Action.String(), form.Fields)
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("signup POST: %d, want %d\n%s", res.StatusCode, tt.wantStatus, res.body)
			}
			if tt.wantCode != "" {
				h.assertLogged(t, h.problemID(t, res, true))
				if !strings.Contains(h.do(noFollow(c), http.MethodPost, form.Action.String(), strings.NewReader(form.Fields.Encode()),
					"Content-Type: application/x-www-form-urlencoded", "Accept: application/json").body, `"error":"`+tt.wantCode+`"`) {
					t.Errorf("the JSON answer does not carry the code %s", tt.wantCode)
				}
			} else if got := res.Header.Get("Location"); got != tt.wantTo {
				t.Fatalf("signup POST went to %q, want %q", got, tt.wantTo)
			}
			h.kakao.ClearFaults()
			want := "false"
			if tt.wantLinked {
				want = "true"
			}
			if got := h.signedUpHeader(t, c); got != want {
				t.Fatalf("after the POST X-Auth-Signed-Up = %q, want %q", got, want)
			}
		})
	}
}

// TestSignupSendsOnlyAllowedProperties: the fixed properties and the allowed ones the request
// supplies reach Kakao; any other field is dropped (Kakao here knows only the two, so a
// third would fail the signup with -201).
func TestSignupSendsOnlyAllowedProperties(t *testing.T) {
	h := signupHarness(t, func(c *config.Config) {
		c.SignupProperties = map[string]string{"plan": "free"}
		c.SignupFormProperties = []string{"marketing"}
	}, "plan", "marketing")
	c := h.browser()
	h.login(c, "/", 1001)
	form := h.signupForm(t, c, "/.auth/signup?rd=/w&marketing=yes&evil=1&plan=pro")
	q := form.Action.Query()
	if q.Get("marketing") != "yes" || q.Has("evil") || q.Has("plan") {
		t.Fatalf("the form carries %v, want rd and marketing only", q)
	}
	form.Fields.Set("evil", "2")
	form.Fields.Set("plan", "pro")
	if res := h.postSignup(c, form.Action.String(), form.Fields); res.StatusCode != http.StatusFound {
		t.Fatalf("signup POST: %d\n%s", res.StatusCode, res.body)
	}
	h.signedUpHeader(t, c)
	token := h.up.last(t).Header.Get("X-Auth-Access-Token")
	req, _ := http.NewRequest(http.MethodGet, h.kakao.URL()+"/v2/user/me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var me struct{ Properties map[string]any }
	if err := json.NewDecoder(resp.Body).Decode(&me); err != nil {
		t.Fatal(err)
	}
	if me.Properties["plan"] != "free" || me.Properties["marketing"] != "yes" || me.Properties["evil"] != nil {
		t.Fatalf("Kakao saved %v, want plan=free and marketing=yes", me.Properties)
	}
}

// TestSignupWithoutAKakaoSession: without a session a browser is sent to log in and back
// (never resuming a logged-out browser's login); a POST is told to log in; a session of another provider has nothing to sign up; with
// provider oidc the endpoint does not exist.
func TestSignupWithoutAKakaoSession(t *testing.T) {
	h := signupHarness(t, nil)
	c := h.browser()
	res := h.get(noFollow(c), "/.auth/signup?rd=/w")
	if want := "/.auth/login?rd=" + url.QueryEscape("/.auth/signup?rd=%2Fw"); res.StatusCode != http.StatusFound || res.Header.Get("Location") != want {
		t.Fatalf("signup without session: %d → %q, want %q", res.StatusCode, res.Header.Get("Location"), want)
	}
	if post := h.postSignup(c, "/.auth/signup?rd=/w", url.Values{"confirm": {"yes"}}); post.StatusCode != http.StatusUnauthorized || !strings.Contains(post.body, "/.auth/login?rd=") {
		t.Fatalf("POST without session: %d\n%s", post.StatusCode, post.body)
	}
	if api := h.get(c, "/.auth/signup", "Accept: application/json"); api.StatusCode != http.StatusUnauthorized {
		t.Fatalf("API GET without session: %d", api.StatusCode)
	}
	// A browser that logged out is not logged back in by a link: the login it is sent to
	// carries no resume token, so it stops at the login page.
	h.login(c, "/", 1001)
	_, logout := h.logoutForm(t, c)
	if res := h.postLogout(c, logout.Fields.Get("csrf")); res.StatusCode != http.StatusFound {
		t.Fatalf("logout: %d", res.StatusCode)
	}
	if res := h.get(noFollow(c), "/.auth/signup?rd=/w"); res.StatusCode != http.StatusFound || strings.Contains(res.Header.Get("Location"), "resume=") {
		t.Fatalf("signup after logout: %d → %q, want the login without resume", res.StatusCode, res.Header.Get("Location"))
	}

	m := newMultiHarness(t, []string{"corp"}, map[string]oidctest.Options{"corp": {}})
	oc := m.browser()
	m.loginAt(oc, "corp", "/")
	if res := m.get(oc, "/.auth/signup?rd=/w"); res.StatusCode != http.StatusConflict || !strings.Contains(res.body, "Kakao") {
		t.Fatalf("signup with another provider's session: %d\n%s", res.StatusCode, res.body)
	}

	o := newHarness(t, harnessOptions{provider: config.ProviderOIDC})
	if res := o.get(o.browser(), "/.auth/signup"); res.StatusCode != http.StatusNotFound {
		t.Fatalf("signup with provider oidc: %d", res.StatusCode)
	}
}

// TestSignupPageInKorean: the confirmation page speaks the browser's language.
func TestSignupPageInKorean(t *testing.T) {
	h := signupHarness(t, nil)
	c := h.browser()
	h.login(c, "/", 1001)
	page := h.get(c, "/.auth/signup", "Accept-Language: ko-KR,ko;q=0.9")
	if page.StatusCode != http.StatusOK || !strings.Contains(page.body, msgSignupTitle.in(localeKO)) || !strings.Contains(page.body, msgSignUp.in(localeKO)) {
		t.Fatalf("Korean signup page: %d\n%s", page.StatusCode, page.body)
	}
}

// TestUnlinkForgetsTheSignup: after an unlink the person is preregistered again at Kakao, and
// the store's signup marker went with their sessions: a new login says false again.
func TestUnlinkForgetsTheSignup(t *testing.T) {
	h := signupHarness(t, nil)
	c := h.browser()
	h.login(c, "/", 1001)
	h.signUp(t, c)
	unlink := h.signupForm(t, c, "/.auth/unlink")
	if res := h.postSignup(c, unlink.Action.String(), unlink.Fields); res.StatusCode != http.StatusFound || h.kakao.Linked(1001) {
		t.Fatalf("unlink: %d (linked %v)\n%s", res.StatusCode, h.kakao.Linked(1001), res.body)
	}
	again := h.browser()
	h.login(again, "/", 1001)
	if got := h.signedUpHeader(t, again); got != "false" {
		t.Fatalf("a login after the unlink: X-Auth-Signed-Up = %q, want false", got)
	}
}

// TestSignedUpHeaderOnlyWhereKakaoSaysSo: X-Auth-Signed-Up says what Kakao's /v2/user/me
// said (or a signup since), to the upstream and in verify's answer: true or false with
// auto-link off, nothing with auto-link on (Kakao sends no has_signed_up), and nothing for a
// session of another provider, whatever claim of that name it carries.
func TestSignedUpHeaderOnlyWhereKakaoSaysSo(t *testing.T) {
	noAutoLink := func(o *kakaotest.Options) { o.DisableAutoLink = true }
	claimed := oidctest.Options{Claims: map[string]any{"has_signed_up": false}, UserInfo: map[string]any{"has_signed_up": false}}
	tests := []struct {
		name  string
		login func(t *testing.T) (*harness, *http.Client)
		want  []string // the header's values
	}{
		{"auto-link on", func(t *testing.T) (*harness, *http.Client) {
			h := newHarness(t, harnessOptions{})
			c := h.browser()
			h.login(c, "/", 1001)
			return h, c
		}, nil},
		{"preregistered, signup app", func(t *testing.T) (*harness, *http.Client) {
			h := signupHarness(t, nil)
			c := h.browser()
			h.login(c, "/", 1001)
			return h, c
		}, []string{"false"}},
		{"preregistered, signup auto", func(t *testing.T) (*harness, *http.Client) {
			h := newHarness(t, harnessOptions{emulator: noAutoLink, configure: func(c *config.Config) { c.Signup = config.SignupAuto }})
			c := h.browser()
			h.login(c, "/", 1001)
			return h, c
		}, []string{"true"}},
		{"signed up before this login", func(t *testing.T) (*harness, *http.Client) {
			h := signupHarness(t, nil)
			first := h.browser()
			h.login(first, "/", 1001)
			h.signUp(t, first)
			c := h.browser()
			h.login(c, "/", 1001)
			return h, c
		}, []string{"true"}},
		{"provider oidc with a has_signed_up claim", func(t *testing.T) (*harness, *http.Client) {
			h := newHarness(t, harnessOptions{provider: config.ProviderOIDC, op: claimed})
			c := h.browser()
			h.login(c, "/", 0)
			return h, c
		}, nil},
		{"additional provider with a has_signed_up claim", func(t *testing.T) (*harness, *http.Client) {
			m := newMultiHarness(t, []string{"corp"}, map[string]oidctest.Options{"corp": claimed})
			c := m.browser()
			m.loginAt(c, "corp", "/")
			return m.harness, c
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, c := tt.login(t)
			if res := h.get(c, "/private"); res.StatusCode != http.StatusOK {
				t.Fatalf("/private: %d\n%s", res.StatusCode, res.body)
			}
			if got := h.up.last(t).Header.Values("X-Auth-Signed-Up"); !slices.Equal(got, tt.want) {
				t.Errorf("upstream X-Auth-Signed-Up = %q, want %q", got, tt.want)
			}
			if v := h.get(noFollow(c), "/.auth/verify"); v.StatusCode != http.StatusOK || !slices.Equal(v.Header.Values("X-Auth-Signed-Up"), tt.want) {
				t.Errorf("verify: %d, X-Auth-Signed-Up = %q, want %q", v.StatusCode, v.Header.Values("X-Auth-Signed-Up"), tt.want)
			}
		})
	}
}

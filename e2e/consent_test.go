package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/kakaogate/kakaogate/kakaotest"
)

// TestRequireScopeAsksForAdditionalConsent: a session without a required scope is sent to
// Kakao with scope=<missing>,openid; after agreeing, the session has it and the page opens.
func TestRequireScopeAsksForAdditionalConsent(t *testing.T) {
	e := newEnv(t, envOptions{extra: "require_scope gender"})
	c := e.browser()
	var scopes []string
	c.CheckRedirect = func(req *http.Request, _ []*http.Request) error {
		if req.URL.Path == "/oauth/authorize" {
			scopes = append(scopes, req.URL.Query().Get("scope"))
		}
		return nil
	}
	resp := e.login(c, "/profile", 1001)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/profile" {
		t.Fatalf("after additional consent: %d at %s", resp.StatusCode, resp.Request.URL)
	}
	if !slices.Contains(scopes, "gender,openid") {
		t.Fatalf("authorize scopes = %q, want an additional-consent request for gender,openid", scopes)
	}
	if !slices.Contains(e.emulator.AgreedScopes(1001), "gender") {
		t.Fatal("the emulator never recorded the gender consent")
	}
	if e.up.count() == 0 || e.up.last(t).Header.Get("X-Auth-User-Id") != "1001" {
		t.Fatal("the page did not open after consent")
	}
}

// TestRequireScopeDeclinedShowsAPageNotALoop: cancelling the additional consent while logged
// in ends on a page that says the person is still logged in and what the area needs, and the
// session is kept.
func TestRequireScopeDeclinedShowsAPageNotALoop(t *testing.T) {
	e := newEnv(t, envOptions{extra: "require_scope gender"})
	for _, tc := range []struct {
		lang string
		user string
		want string
	}{{"en", "1001", "still logged in"}, {"ko", "1004", "로그인은 그대로 유지됩니다"}} {
		c := e.browser()
		c.Transport = langTransport{tc.lang}
		resp, err := c.Get(e.base + "/profile") // → Kakao's login page
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []struct{ button, value string }{
			{"user", tc.user},     // log in
			{"consent", "agree"},  // first link: the app's default items
			{"consent", "cancel"}, // additional consent for gender: decline
		} {
			if resp, err = kakaotest.SubmitForm(c, resp, s.button, s.value); err != nil {
				t.Fatalf("%s: %s=%s: %v", tc.lang, s.button, s.value, err)
			}
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		page := string(body)
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(page, tc.want) || strings.Contains(page, "cancelled") {
			t.Fatalf("%s: declined consent: %d\n%s", tc.lang, resp.StatusCode, page)
		}
		if !strings.Contains(page, "/.auth/consent?scope=gender") {
			t.Fatalf("%s: the page offers no way to grant the consent later:\n%s", tc.lang, page)
		}
		if me, _ := get(t, c, e.base+"/.auth/me", "Accept: application/json"); me.StatusCode != http.StatusOK {
			t.Fatalf("%s: the session ended after a declined additional consent: /me %d", tc.lang, me.StatusCode)
		}
	}
}

// TestFirstConsentCancelledSaysSignInCancelled: without a session, cancelling Kakao's consent
// screen is a cancelled sign-in, in the person's language.
func TestFirstConsentCancelledSaysSignInCancelled(t *testing.T) {
	e := newEnv(t, envOptions{})
	for _, tc := range []struct{ lang, want string }{{"en", "Sign-in was cancelled"}, {"ko", "로그인이 취소되었습니다"}} {
		c := e.browser()
		c.Transport = langTransport{tc.lang}
		resp, err := c.Get(e.base + "/")
		if err != nil {
			t.Fatal(err)
		}
		if resp, err = kakaotest.SubmitForm(c, resp, "user", "1001"); err != nil {
			t.Fatal(err)
		}
		if resp, err = kakaotest.SubmitForm(c, resp, "consent", "cancel"); err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), tc.want) {
			t.Fatalf("%s: cancelled first consent: %d\n%s", tc.lang, resp.StatusCode, body)
		}
	}
}

// langTransport is a browser navigation with an Accept-Language.
type langTransport struct{ lang string }

func (t langTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Accept-Language", t.lang)
	return htmlTransport{}.RoundTrip(r)
}

// TestConsentEndpointAndNeedsAgreement: /me lists items that need agreement; the app sends the
// person to /.auth/consent?scope=…&rd=… and gets them back with the scope granted.
func TestConsentEndpointAndNeedsAgreement(t *testing.T) {
	e := newEnv(t, envOptions{emulator: func(o *kakaotest.Options) {
		o.Scopes = []string{"openid", "profile_nickname"} // the console's default items
	}})
	c := e.browser()
	e.login(c, "/", 1001).Body.Close()
	var me struct {
		Claims         map[string]any
		NeedsAgreement []string `json:"needs_agreement"`
	}
	_, body := get(t, c, e.base+"/.auth/me", "Accept: application/json")
	if err := json.Unmarshal([]byte(body), &me); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(me.NeedsAgreement, "email") || me.Claims["email"] != nil {
		t.Fatalf("/me before consent: %s", body)
	}
	resp, err := kakaotest.Login(c, e.base+"/.auth/consent?scope=account_email&rd="+url.QueryEscape("/settings"), 1001)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Request.URL.Path != "/settings" {
		t.Fatalf("consent returned to %s, want /settings", resp.Request.URL)
	}
	if got := e.up.last(t).Header.Get("X-Auth-Email"); got != "ryan@example.com" {
		t.Fatalf("after consent X-Auth-Email = %q", got)
	}
}

// TestAccessRulesDenyWithoutLoginLoop: allow lines must all match; a refused person gets a 403
// page and is not sent to log in again.
func TestAccessRulesDenyWithoutLoginLoop(t *testing.T) {
	e := newEnv(t, envOptions{
		extra: "allow email_domain EXAMPLE.com\n\t\tallow age_range 20~29",
		emulator: func(o *kakaotest.Options) {
			o.Scopes = []string{"openid", "profile_nickname", "account_email", "age_range"}
		},
	})
	ok := e.browser()
	e.login(ok, "/", 1001).Body.Close() // ryan@example.com, 20~29
	if e.up.last(t).Header.Get("X-Auth-User-Id") != "1001" {
		t.Fatal("an allowed person did not reach the upstream")
	}
	for _, id := range []int64{1002, 1003} { // no email; unverified email
		c := e.browser()
		resp, err := kakaotest.Login(c, e.base+"/", id)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "have access") {
			t.Fatalf("user %d: %d\n%s", id, resp.StatusCode, body)
		}
		before := e.emulator.Calls("/oauth/authorize")
		resp2, _ := get(t, c, e.base+"/other")
		if resp2.StatusCode != http.StatusForbidden || e.emulator.Calls("/oauth/authorize") != before {
			t.Fatalf("user %d: a refused person was sent to log in again", id)
		}
	}
}

// TestLoginOptionsReachAuthorize: prompt, login_hint and service_terms are passed on
// interactive logins; prompt=login is never sent from KakaoTalk's in-app browser.
func TestLoginOptionsReachAuthorize(t *testing.T) {
	e := newEnv(t, envOptions{extra: "prompt login\n\t\tlogin_hint ryan@example.com\n\t\tservice_terms terms_a terms_b\n\t\tauto_login off"})
	resp, _ := get(t, noRedirects(e.browser()), e.base+"/")
	q := locationQuery(t, resp)
	if q.Get("prompt") != "login" || q.Get("login_hint") != "ryan@example.com" || q.Get("service_terms") != "terms_a,terms_b" {
		t.Fatalf("authorize query = %v", q)
	}
	resp, _ = get(t, noRedirects(e.talkBrowser()), e.base+"/")
	if q := locationQuery(t, resp); q.Has("prompt") {
		t.Fatalf("prompt=%s sent from the in-app browser", q.Get("prompt"))
	}
}

func locationQuery(t *testing.T, resp *http.Response) url.Values {
	t.Helper()
	u, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound {
		t.Fatalf("want a redirect, got %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return u.Query()
}

// TestSignupModesWhenAutoLinkIsOff: signup app tells the app the person has not signed up;
// signup auto links them at login and says so (X-Auth-Signed-Up: true).
func TestSignupModesWhenAutoLinkIsOff(t *testing.T) {
	noAutoLink := func(o *kakaotest.Options) { o.DisableAutoLink = true }
	t.Run("app", func(t *testing.T) {
		e := newEnv(t, envOptions{emulator: noAutoLink})
		e.login(e.browser(), "/", 1001).Body.Close()
		if got := e.up.last(t).Header.Get("X-Auth-Signed-Up"); got != "false" {
			t.Fatalf("X-Auth-Signed-Up = %q, want false", got)
		}
		if e.emulator.Calls("/v1/user/signup") != 0 {
			t.Fatal("signup app must not call Kakao's signup API")
		}
	})
	t.Run("auto", func(t *testing.T) {
		e := newEnv(t, envOptions{emulator: noAutoLink, extra: "signup auto"})
		e.login(e.browser(), "/", 1001).Body.Close()
		if got := e.up.last(t).Header.Values("X-Auth-Signed-Up"); len(got) != 1 || got[0] != "true" {
			t.Fatalf("X-Auth-Signed-Up = %v after signup auto, want true", got)
		}
		if e.emulator.Calls("/v1/user/signup") != 1 {
			t.Fatalf("signup calls = %d, want 1", e.emulator.Calls("/v1/user/signup"))
		}
	})
}

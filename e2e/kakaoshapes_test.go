package e2e

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/kakaogate/kakaogate/kakaotest"
)

// TestRequireScopeOutsideConsentItemsEndsOnKOE205: a require_scope naming an item the app has
// not set up can never be granted. Kakao (here the emulator) stops on its own KOE205 page and
// never comes back, so the person ends on a page that names the problem after one additional
// consent request, not in a loop of redirects.
func TestRequireScopeOutsideConsentItemsEndsOnKOE205(t *testing.T) {
	e := newEnv(t, envOptions{
		extra: "require_scope gender",
		emulator: func(o *kakaotest.Options) {
			o.ConsentItems = []string{"profile_nickname", "profile_image", "account_email"}
		},
	})
	c := e.browser()
	resp, err := c.Get(e.base + "/profile")
	if err != nil {
		t.Fatal(err)
	}
	if resp, err = kakaotest.SubmitForm(c, resp, "user", "1001"); err != nil {
		t.Fatal(err)
	}
	if resp, err = kakaotest.SubmitForm(c, resp, "consent", "agree"); err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), `<strong id="error-code">KOE205</strong>`) ||
		!strings.Contains(string(body), "gender") {
		t.Fatalf("want Kakao's KOE205 page naming gender, got %d at %s:\n%s", resp.StatusCode, resp.Request.URL, body)
	}
	if n := e.emulator.Calls("/oauth/authorize"); n != 2 {
		t.Fatalf("%d authorize requests, want 2 (the login, then one additional consent)", n)
	}
	if e.up.count() != 0 {
		t.Fatal("the area that needs gender reached the upstream")
	}
	// The person is logged in; the area stays closed, one Kakao page per visit.
	if me, _ := get(t, c, e.base+"/.auth/me", "Accept: application/json"); me.StatusCode != http.StatusOK {
		t.Fatalf("/me after KOE205: %d", me.StatusCode)
	}
}

// TestUnlinkWebhookShapesThroughCaddy: the emulator sends Kakao's unlink webhook as a form
// body, a JSON body with string ids, a JSON body with number ids, or a GET query; the gateway
// accepts each (KakaoAK with the primary admin key) and ends the person's session.
func TestUnlinkWebhookShapesThroughCaddy(t *testing.T) {
	for _, tc := range []struct{ name, method, format string }{
		{"form body", http.MethodPost, kakaotest.WebhookForm},
		{"JSON body, ids as strings", http.MethodPost, kakaotest.WebhookJSON},
		{"JSON body, ids as numbers", http.MethodPost, kakaotest.WebhookJSONNumbers},
		{"GET query", http.MethodGet, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, envOptions{
				extra: "admin_key demo-admin-key\n\t\tapp_id 100001",
				emulator: func(o *kakaotest.Options) {
					o.WebhookMethod, o.WebhookFormat = tc.method, tc.format
				},
			})
			c := e.browser()
			e.login(c, "/", 1001).Body.Close()
			cookie := sessionCookie(c, e.base)
			if replay(t, e.base, cookie) != http.StatusOK {
				t.Fatal("no session before the webhook")
			}
			if err := e.emulator.Unlink(context.Background(), 1001); err != nil {
				t.Fatalf("webhook: %v\n--- caddy log ---\n%s", err, e.caddy.Logs())
			}
			if replay(t, e.base, cookie) != http.StatusUnauthorized {
				t.Fatal("the session survived the unlink webhook")
			}
		})
	}
}

// TestNonStringPropertiesDoNotFailLogin: Kakao's /v2/user/me may carry custom properties with
// number or boolean values; the login succeeds and they are text claims.
func TestNonStringPropertiesDoNotFailLogin(t *testing.T) {
	e := newEnv(t, envOptions{emulator: func(o *kakaotest.Options) {
		users := kakaotest.DefaultUsers()
		users[0].Properties = map[string]any{"level": 3, "vip": true, "plan": "gold"}
		o.Users = users
	}})
	c := e.browser()
	resp := e.login(c, "/", 1001)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || e.up.last(t).Header.Get("X-Auth-User-Id") != "1001" {
		t.Fatalf("login with non-string properties: %d\n--- caddy log ---\n%s", resp.StatusCode, e.caddy.Logs())
	}
	_, body := get(t, c, e.base+"/.auth/me", "Accept: application/json")
	var me struct{ Claims map[string]any }
	if err := json.Unmarshal([]byte(body), &me); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"properties.level": "3", "properties.vip": "true", "properties.plan": "gold"}
	for k, v := range want {
		if me.Claims[k] != v {
			t.Errorf("claim %s = %#v, want the text %q (/me: %s)", k, me.Claims[k], v, body)
		}
	}
}

// TestConsentLinkTakesCommasAndSpaces: /.auth/consent?scope= reads the list as Kakao does,
// comma- or space-separated, and asks Kakao for each item once, with openid.
func TestConsentLinkTakesCommasAndSpaces(t *testing.T) {
	e := newEnv(t, envOptions{})
	for _, raw := range []string{"gender,account_email", "gender%20account_email", "gender+account_email,gender"} {
		resp, _ := get(t, noRedirects(e.browser()), e.base+"/.auth/consent?scope="+raw+"&rd=/x")
		if got := locationQuery(t, resp).Get("scope"); got != "gender,account_email,openid" {
			t.Errorf("scope=%s: authorize scope %q, want gender,account_email,openid", raw, got)
		}
	}
}

// TestRequireScopeTheAccountCannotGiveShowsAPage: Kakao skips an item the person's account has
// no value for (1002 has no email) and comes straight back without it; the gateway shows, once,
// a page saying the account does not have it, instead of sending the person back to Kakao
// again and again or offering a consent that cannot help.
func TestRequireScopeTheAccountCannotGiveShowsAPage(t *testing.T) {
	e := newEnv(t, envOptions{extra: "require_scope account_email", emulator: func(o *kakaotest.Options) {
		o.Scopes = []string{"openid", "profile_nickname"}
	}})
	c := e.browser()
	resp, err := kakaotest.Login(c, e.base+"/profile", 1002)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "Your Kakao account does not have what this area needs") {
		t.Fatalf("want the consent page, got %d at %s:\n%s", resp.StatusCode, resp.Request.URL, body)
	}
	if n := e.emulator.Calls("/oauth/authorize"); n != 2 {
		t.Fatalf("%d authorize requests, want 2 (the login, then one additional consent)", n)
	}
}

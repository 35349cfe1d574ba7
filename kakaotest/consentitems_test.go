package kakaotest

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestScopeParameterTakesCommasAndSpaces(t *testing.T) {
	srv := newEmu(t, nil)
	want := []string{"openid", "profile_nickname", "account_email"}
	tests := []struct{ name, scope string }{
		{"comma-separated, as Kakao documents", "openid,profile_nickname,account_email"},
		{"space-separated, as Kakao's SDKs send", "openid profile_nickname account_email"},
		{"mixed, with repeats and empty items", "openid, profile_nickname,,account_email  openid"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A fresh user each time (each has a nickname and an email), so every
			// run goes through the consent page with exactly the parsed items.
			user := []int64{1001, 1003, 1004}[i]
			body := tokens(t, srv, user, map[string]string{"scope": tt.scope})
			if got := strings.Fields(str(body, "scope")); !slices.Equal(got, want) {
				t.Fatalf("scope = %v, want %v", got, want)
			}
		})
	}
}

func TestScopeOutsideConsentItemsStopsOnKOE205(t *testing.T) {
	srv := newEmu(t, func(o *Options) {
		o.ConsentItems = []string{"profile_nickname", "profile_image", "account_email"}
	})
	tests := []struct {
		name, scope string
		koe205      bool
	}{
		{"default request (no scope parameter) is within the items", "", false},
		{"a configured item", "openid,account_email", false},
		{"openid alone is never a consent item", "openid", false},
		{"an item the app has not set up", "openid,gender", true},
		{"one bad item among good ones, space-separated", "openid profile_nickname phone_number", true},
		{"an unknown scope id", "openid,shoe_size", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := browser(t, "").Get(authorizeURL(srv, map[string]string{"scope": tt.scope, "state": "st"}))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			shown := strings.Contains(string(body), `<strong id="error-code">KOE205</strong>`)
			if tt.koe205 {
				if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" || !shown {
					t.Fatalf("want Kakao's KOE205 page and no redirect, got %d Location %q: %.300s", resp.StatusCode, resp.Header.Get("Location"), body)
				}
				return
			}
			if resp.StatusCode != http.StatusOK || shown || !strings.Contains(string(body), `name="user"`) {
				t.Fatalf("want the login page, got %d: %.300s", resp.StatusCode, body)
			}
		})
	}
}

func TestConsentScreenShowsAppName(t *testing.T) {
	tests := []struct{ name, appName, want string }{
		{"default name", "", DefaultAppName},
		{"configured name, escaped", "<b>My Shop</b>", "&lt;b&gt;My Shop&lt;/b&gt;"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newEmu(t, func(o *Options) { o.AppName = tt.appName })
			c := browser(t, "")
			page, err := c.Get(authorizeURL(srv, nil))
			if err != nil {
				t.Fatal(err)
			}
			consent, err := SubmitForm(c, page, "user", "1001")
			if err != nil {
				t.Fatal(err)
			}
			defer consent.Body.Close()
			body, _ := io.ReadAll(consent.Body)
			if !strings.Contains(string(body), `<span id="app-name">`+tt.want+`</span>`) || strings.Contains(string(body), DefaultClientID) {
				t.Fatalf("consent page does not name the app %q (or shows the key): %.600s", tt.want, body)
			}
		})
	}
}

func TestItemsOutsideConsentItemsAreNotOffered(t *testing.T) {
	srv := newEmu(t, func(o *Options) {
		o.Scopes = []string{"openid", "profile_nickname"}
		o.ConsentItems = []string{"profile_nickname", "profile_image", "account_email"}
	})
	at := str(tokens(t, srv, 1001, nil), "access_token")
	_, me := getJSON(t, srv, "/v2/user/me", "Bearer "+at)
	acct, _ := me["kakao_account"].(map[string]any)
	_, scopes := getJSON(t, srv, "/v2/user/scopes", "Bearer "+at)
	using := map[string]bool{}
	list, _ := scopes["scopes"].([]any)
	for _, s := range list {
		entry, _ := s.(map[string]any)
		using[str(entry, "id")] = entry["using"] == true
	}
	tests := []struct {
		item, flag string
		consent    bool // one of the consent items
	}{
		{"account_email", "email_needs_agreement", true},
		{"profile_image", "profile_image_needs_agreement", true},
		{"gender", "gender_needs_agreement", false},
		{"phone_number", "phone_number_needs_agreement", false},
	}
	for _, tt := range tests {
		t.Run(tt.item, func(t *testing.T) {
			// 1001 has every value and agreed only to the nickname: a consent item can
			// still be agreed, an item the app has not set up cannot.
			if acct[tt.flag] != tt.consent {
				t.Errorf("%s = %v, want %v", tt.flag, acct[tt.flag], tt.consent)
			}
			if using[tt.item] != tt.consent {
				t.Errorf("/v2/user/scopes %s using = %v, want %v", tt.item, using[tt.item], tt.consent)
			}
		})
	}
}

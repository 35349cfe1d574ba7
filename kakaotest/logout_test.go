package kakaotest

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// logoutURL builds an /oauth/logout URL for the test app.
func logoutURL(srv *Server, redirect string) string {
	return srv.URL() + "/oauth/logout?" + url.Values{
		"client_id": {DefaultClientID}, "logout_redirect_uri": {redirect}, "state": {"bye"},
	}.Encode()
}

func TestAccountLogoutBridgePage(t *testing.T) {
	tests := []struct {
		name          string
		choice        string
		wantLoginPage bool // the next authorize shows the login page again
	}{
		{"service only keeps the Kakao Account session", "false", false},
		{"with Kakao Account ends the Kakao Account session", "true", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newEmu(t, nil)
			c := browser(t, "")
			loginCode(t, srv, c, 1001, nil)
			page, err := c.Get(logoutURL(srv, testLogoutRedirect))
			if err != nil {
				t.Fatal(err)
			}
			forms, err := pageForms(page)
			if err != nil {
				t.Fatal(err)
			}
			f, ok := findForm(forms, "logout_with_kakao", "false")
			if !ok || !f.HasButton("logout_with_kakao", "true") || f.Method != http.MethodPost {
				t.Fatalf("bridge page forms %+v", forms)
			}
			resp, err := SubmitForm(c, page, "logout_with_kakao", tt.choice)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || loc != testLogoutRedirect+"?state=bye" {
				t.Fatalf("after the bridge: %d %q", resp.StatusCode, loc)
			}
			next, err := c.Get(authorizeURL(srv, nil))
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantLoginPage {
				forms, err := pageForms(next)
				if err != nil || !hasButtonNamed(forms, "user") {
					t.Fatalf("want the login page after logging out of Kakao, got %d", next.StatusCode)
				}
				return
			}
			if _, q := callback(t, next); q.Get("code") == "" {
				t.Fatalf("want a code with the Kakao session kept, got %v", q)
			}
		})
	}
}

func TestAccountLogoutWithoutSessionRedirectsAtOnce(t *testing.T) {
	srv := newEmu(t, nil)
	resp, err := browser(t, "").Get(logoutURL(srv, testLogoutRedirect))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || loc != testLogoutRedirect+"?state=bye" {
		t.Fatalf("%d %q", resp.StatusCode, loc)
	}
}

func TestAccountLogoutErrorsShowPage(t *testing.T) {
	srv := newEmu(t, nil)
	tests := []struct {
		name string
		url  string
		koe  string
	}{
		{"unregistered logout_redirect_uri is KOE007", logoutURL(srv, "http://evil.test/"), "KOE007"},
		{"wrong client_id is KOE101", strings.Replace(logoutURL(srv, testLogoutRedirect), DefaultClientID, "nope", 1), "KOE101"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := browser(t, "").Get(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), tt.koe) {
				t.Fatalf("%d %.200s", resp.StatusCode, body)
			}
		})
	}
}

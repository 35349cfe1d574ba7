package gateway

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/kakaogate/kakaogate/config"
)

func TestStripRemovesForgedIdentityHeaders(t *testing.T) {
	ih := newIdentityHeaders([]config.HeaderClaim{{Header: "x-remote-user", Claim: "id"}})
	h := http.Header{}
	h.Set("X-Remote-User", "admin")
	h.Set("X-Auth-User-Id", "1")
	h["x-auth-lowercase"] = []string{"sneaky"} // not canonicalised, as a raw map write
	h.Set("X-Authorization-Extra", "kept")     // does not start with X-Auth-
	h.Set("Accept", "kept")
	ih.strip(h)
	for _, name := range []string{"X-Remote-User", "X-Auth-User-Id", "x-auth-lowercase"} {
		if _, ok := h[name]; ok {
			t.Errorf("%s survived strip", name)
		}
	}
	if h.Get("X-Authorization-Extra") != "kept" || h.Get("Accept") != "kept" {
		t.Errorf("strip removed unrelated headers: %v", h)
	}
}

func TestInjectSetsOnlyPresentClaimsSafely(t *testing.T) {
	ih := newIdentityHeaders(config.DefaultHeaders())
	h := http.Header{}
	ih.inject(h, map[string]string{"id": "1001", "nickname": "라이언\r\nX-Evil: 1"})
	if h.Get("X-Auth-User-Id") != "1001" {
		t.Fatalf("id header = %q", h.Get("X-Auth-User-Id"))
	}
	if got := h.Get("X-Auth-Nickname"); got != "라이언X-Evil: 1" {
		t.Fatalf("nickname header = %q, want control characters removed and UTF-8 kept", got)
	}
	if _, ok := h["X-Auth-Email"]; ok {
		t.Fatal("a missing claim must leave its header absent")
	}
	long := strings.Repeat("가", 1000)
	ih.inject(h, map[string]string{"id": long})
	if v := h.Get("X-Auth-User-Id"); len(v) > maxHeaderValue || !strings.HasPrefix(long, v) {
		t.Fatalf("long value not capped on a rune boundary: %d bytes", len(v))
	}
}

func TestSafeReturnPath(t *testing.T) {
	tests := map[string]string{
		"/app?x=1":                               "/app?x=1",
		"/":                                      "/",
		"":                                       "/",
		"//evil.com":                             "/",
		`/\evil.com`:                             "/",
		"/\t/evil.com":                           "/",
		"https://evil.com":                       "/",
		"https://ok@evil.com":                    "/",
		"javascript:alert(1)":                    "/",
		"evil.com/path":                          "/",
		"/" + strings.Repeat("a", maxReturnPath): "/",
	}
	for in, want := range tests {
		if got := safeReturnPath(in); got != want {
			t.Errorf("safeReturnPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIsNavigation(t *testing.T) {
	tests := []struct {
		name, method, mode, accept string
		want                       bool
	}{
		{"browser navigation", "GET", "navigate", "", true},
		{"html accept", "GET", "", "text/html,application/xhtml+xml", true},
		{"head html", "HEAD", "", "TEXT/HTML", true},
		{"api json", "GET", "", "application/json", false},
		{"fetch cors", "GET", "cors", "*/*", false},
		{"post form", "POST", "navigate", "text/html", false},
		{"no headers", "GET", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, "/", nil)
			if tt.mode != "" {
				r.Header.Set("Sec-Fetch-Mode", tt.mode)
			}
			if tt.accept != "" {
				r.Header.Set("Accept", tt.accept)
			}
			if got := isNavigation(r); got != tt.want {
				t.Fatalf("isNavigation = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestStripGatewayCookiesKeepsTheAppsCookies(t *testing.T) {
	n := newCookieNames(true, "")
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Cookie", "app=1; __Host-kakaogate=secret; __Host-kakaogate-login-abc=x; theme=dark")
	n.stripGatewayCookies(r, nil)
	if got := r.Header.Get("Cookie"); got != "app=1; theme=dark" {
		t.Fatalf("Cookie = %q", got)
	}
	r.Header.Set("Cookie", "__Host-kakaogate=secret")
	n.stripGatewayCookies(r, nil)
	if _, ok := r.Header["Cookie"]; ok {
		t.Fatal("a Cookie header holding only gateway cookies must be removed")
	}
}

func TestFlattenClaims(t *testing.T) {
	dst := map[string]string{}
	mergeClaims(dst, map[string]any{
		"sub": "1", "nickname": "ryan", "email_verified": true, "age": float64(30), "big": json.Number("9007199254740993"),
		"groups": []any{"a", "b"}, "address": map[string]any{"x": 1}, "nonce": "n", "aud": "c",
		"nested": []any{[]any{"x"}},
	})
	want := map[string]string{"sub": "1", "nickname": "ryan", "email_verified": "true", "age": "30", "groups": "a,b", "big": "9007199254740993"}
	if len(dst) != len(want) {
		t.Fatalf("claims = %v, want %v", dst, want)
	}
	for k, v := range want {
		if dst[k] != v {
			t.Errorf("claim %s = %q, want %q", k, dst[k], v)
		}
	}
}

package gateway

import (
	"net/http"
	"strings"
	"testing"
)

// TestEndpointMethodsAndUnknownPaths checks the gateway's own endpoints refuse other methods
// with 405 and an Allow header, and that unknown paths under the prefix (and the prefix
// itself) are 404 from the gateway, never passed upstream.
func TestEndpointMethodsAndUnknownPaths(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		path       string
		wantStatus int
		wantAllow  string
	}{
		{"POST callback", http.MethodPost, "/.auth/callback?state=x&code=y", http.StatusMethodNotAllowed, "GET"},
		{"PUT login", http.MethodPut, "/.auth/login", http.StatusMethodNotAllowed, "GET, HEAD"},
		{"POST login", http.MethodPost, "/.auth/login", http.StatusMethodNotAllowed, "GET, HEAD"},
		{"DELETE logout", http.MethodDelete, "/.auth/logout", http.StatusMethodNotAllowed, "GET, HEAD, POST"},
		{"POST me", http.MethodPost, "/.auth/me", http.StatusMethodNotAllowed, "GET, HEAD"},
		{"unknown endpoint", http.MethodGet, "/.auth/nope", http.StatusNotFound, ""},
		{"endpoint with a trailing slash", http.MethodGet, "/.auth/me/", http.StatusNotFound, ""},
		{"nested unknown path", http.MethodGet, "/.auth/login/extra", http.StatusNotFound, ""},
		{"prefix itself", http.MethodGet, "/.auth", http.StatusNotFound, ""},
		{"prefix with a slash", http.MethodGet, "/.auth/", http.StatusNotFound, ""},
		{"dot segments under the prefix", http.MethodGet, "/.auth/../me", http.StatusNotFound, ""},
	}
	h := newHarness(t, harnessOptions{})
	for _, tt := range tests {
		for _, html := range []bool{true, false} {
			accept := "Accept: application/json"
			if html {
				accept = "Accept: text/html"
			}
			t.Run(tt.name+"/"+strings.TrimPrefix(accept, "Accept: "), func(t *testing.T) {
				c := h.browser()
				res := h.do(noFollow(c), tt.method, tt.path, nil, accept)
				if res.StatusCode != tt.wantStatus {
					t.Fatalf("%s %s: %d, want %d\n%s", tt.method, tt.path, res.StatusCode, tt.wantStatus, res.body)
				}
				if got := res.Header.Get("Allow"); got != tt.wantAllow {
					t.Errorf("Allow = %q, want %q", got, tt.wantAllow)
				}
				h.assertLogged(t, h.problemID(t, res, html))
				if len(h.cookieNames(c)) != 0 {
					t.Errorf("refused request set cookies: %v", h.cookieNames(c))
				}
			})
		}
	}
	if n := h.up.count(); n != 0 {
		t.Errorf("%d requests reached the upstream", n)
	}
}

// TestHeadOnEndpoints checks HEAD is served like GET where it is allowed.
func TestHeadOnEndpoints(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	for path, want := range map[string]int{
		"/.auth/login": http.StatusFound, "/.auth/me": http.StatusUnauthorized, "/.auth/logout": http.StatusOK,
	} {
		if res := h.do(noFollow(h.browser()), http.MethodHead, path, nil); res.StatusCode != want {
			t.Errorf("HEAD %s: %d, want %d", path, res.StatusCode, want)
		}
	}
}

package e2e

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// droppingJar loses some of the gateway's cookies: the one called name, or with name "",
// every cookie the callback sets, as a browser behind a proxy that drops the callback
// response's Set-Cookie headers would.
type droppingJar struct {
	http.CookieJar
	name string
}

func (j droppingJar) SetCookies(u *url.URL, cookies []*http.Cookie) {
	if j.name == "" && strings.HasPrefix(u.Path, "/.auth/callback") {
		return
	}
	var kept []*http.Cookie
	for _, c := range cookies {
		if c.Name != j.name {
			kept = append(kept, c)
		}
	}
	j.CookieJar.SetCookies(u, kept)
}

// TestRedirectLoopStopsWithAPage: through the binary, a session cookie that never sticks
// (refused alone, or with every cookie of the callback's response) ends on the loop page
// after a few logins, never in the browser's redirect limit.
func TestRedirectLoopStopsWithAPage(t *testing.T) {
	for _, tt := range []struct{ name, drop string }{
		{"session cookie refused", "__Host-kakaogate"},
		{"every callback Set-Cookie dropped", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, envOptions{})
			c := e.browser()
			c.Jar = droppingJar{c.Jar, tt.drop}
			resp := e.login(c, "/", 1001)
			body := readAll(resp)
			if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "login_loop") && !strings.Contains(body, "not keeping the login") {
				t.Fatalf("a never-sticking session cookie ended on %d at %s\n%.400s", resp.StatusCode, resp.Request.URL, body)
			}
			if !e.caddy.LogsSoon("redirect loop stopped") {
				t.Fatalf("the loop was not logged:\n%s", e.caddy.Logs())
			}
		})
	}
}

package e2e

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// sessionDroppingJar keeps every cookie but the gateway's session cookie, as a browser
// behind a proxy that drops that Set-Cookie would.
type sessionDroppingJar struct{ http.CookieJar }

func (j sessionDroppingJar) SetCookies(u *url.URL, cookies []*http.Cookie) {
	var kept []*http.Cookie
	for _, c := range cookies {
		if c.Name != "__Host-kakaogate" {
			kept = append(kept, c)
		}
	}
	j.CookieJar.SetCookies(u, kept)
}

// TestRedirectLoopStopsWithAPage: through the binary, a session cookie that never sticks
// ends on the loop page after a few logins, never in the browser's redirect limit.
func TestRedirectLoopStopsWithAPage(t *testing.T) {
	e := newEnv(t, envOptions{})
	c := e.browser()
	c.Jar = sessionDroppingJar{c.Jar}
	resp := e.login(c, "/", 1001)
	body := readAll(resp)
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "login_loop") && !strings.Contains(body, "not keeping the login") {
		t.Fatalf("a never-sticking session cookie ended on %d at %s\n%.400s", resp.StatusCode, resp.Request.URL, body)
	}
	if !e.caddy.LogsSoon("redirect loop stopped") {
		t.Fatalf("the loop was not logged:\n%s", e.caddy.Logs())
	}
}

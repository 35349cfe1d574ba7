package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/kakaogate/kakaogate/internal/testcaddy"
	"github.com/kakaogate/kakaogate/kakaotest"
)

// The compositions docs/caddyfile.md shows ("Several kakaogate handlers on one site"), each
// through the built binary: a person logs in once and every handler on the way sees the
// session; the app never sees the gateway's cookies nor a client-sent identity header.

// assertUpstreamSaw checks the upstream's last request: the user (or none: ""), and neither
// a gateway cookie nor a forged identity header.
func assertUpstreamSaw(t *testing.T, e *env, wantUser string) {
	t.Helper()
	h := e.up.last(t).Header
	if got := h.Get("X-Auth-User-Id"); got != wantUser {
		t.Fatalf("upstream got X-Auth-User-Id %q, want %q", got, wantUser)
	}
	if h.Get("X-Auth-Role") != "" {
		t.Fatalf("a forged identity header reached the upstream: %v", h)
	}
	if c := h.Get("Cookie"); strings.Contains(c, "kakaogate") {
		t.Fatalf("the upstream saw the gateway's cookies: %q", c)
	}
}

// logsInAt logs userID in from path with c and checks the login ends on path, upstream,
// as that user.
func logsInAt(t *testing.T, e *env, c *http.Client, path string, userID int64) {
	t.Helper()
	resp := e.login(c, path, userID)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != path {
		t.Fatalf("login at %s ended on %d %s\n%s", path, resp.StatusCode, resp.Request.URL, e.caddy.Logs())
	}
	assertUpstreamSaw(t, e, itoa(userID))
}

// TestTwoMatchedHandlersInOneRoute is the Caddyfile of the first hour: one handler per area,
// each with its own requirement. It used to loop: the first handler stripped the session
// cookie from requests it did not match, so the second never saw a session.
func TestTwoMatchedHandlersInOneRoute(t *testing.T) {
	e := newEnv(t, envOptions{body: `
	@vip path /vip /vip/*
	kakaogate @vip {
		@GATE@
		allow email_domain example.com
	}
	@members path /members /members/*
	kakaogate @members {
		@GATE@
		require_scope account_email
	}
	reverse_proxy @UPSTREAM@`})

	c := e.browser()
	logsInAt(t, e, c, "/members/home", 1001)
	for _, path := range []string{"/vip/lounge", "/members/list"} {
		if resp, _ := get(t, c, e.base+path, "X-Auth-Role: admin"); resp.StatusCode != http.StatusOK {
			t.Fatalf("%s with the session: %d", path, resp.StatusCode)
		}
		assertUpstreamSaw(t, e, "1001")
	}
	if resp, _ := get(t, c, e.base+"/about", "X-Auth-Role: admin", "X-Auth-User-Id: 1"); resp.StatusCode != http.StatusOK {
		t.Fatalf("a public page: %d", resp.StatusCode)
	}
	assertUpstreamSaw(t, e, "")

	// A person the vip rule refuses gets the refusal, once: no loop, no upstream.
	muzi := e.browser()
	before := e.up.count()
	resp := e.login(muzi, "/vip/lounge", 1002)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || e.up.count() != before {
		t.Fatalf("a user without an example.com email at /vip: %d, upstream reached %d times", resp.StatusCode, e.up.count()-before)
	}
}

// TestSiteWideHandlerWithAStricterArea: a site-wide optional handler (everyone may read,
// logged-in people are known) and a stricter handler inside a handle block; a logout there
// ends on the signed-out page.
func TestSiteWideHandlerWithAStricterArea(t *testing.T) {
	e := newEnv(t, envOptions{body: `
	kakaogate {
		@GATE@
		optional
	}
	handle /admin/* {
		kakaogate {
			@GATE@
			allow id 1001
		}
		reverse_proxy @UPSTREAM@
	}
	reverse_proxy @UPSTREAM@`})

	anon := e.browser()
	if resp, _ := get(t, anon, e.base+"/", "X-Auth-User-Id: 1001"); resp.StatusCode != http.StatusOK {
		t.Fatalf("an anonymous visit: %d", resp.StatusCode)
	}
	assertUpstreamSaw(t, e, "")
	if got := e.up.last(t).Header.Get("X-Auth-Status"); got != "anonymous" {
		t.Fatalf("X-Auth-Status %q, want anonymous", got)
	}

	ryan := e.browser()
	logsInAt(t, e, ryan, "/admin/panel", 1001)
	if resp, _ := get(t, ryan, e.base+"/blog"); resp.StatusCode != http.StatusOK {
		t.Fatalf("the public part with a session: %d", resp.StatusCode)
	}
	assertUpstreamSaw(t, e, "1001")

	neo := e.browser()
	resp := e.login(neo, "/admin/panel", 1003)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("another user at /admin: %d", resp.StatusCode)
	}

	// The site-wide handler serves the logout, but cannot know what the other protects:
	// the logout ends on the signed-out page, not on post_logout_redirect (/).
	out := submitPage(t, noRedirects(ryan), e.base+"/.auth/logout", "confirm", "yes")
	out.Body.Close()
	if out.StatusCode != http.StatusFound || out.Header.Get("Location") != "/.auth/signed-out" {
		t.Fatalf("logout in a composition: %d to %q, want the signed-out page", out.StatusCode, out.Header.Get("Location"))
	}
}

// TestHandlerUnderHandlePath: a handler inside handle_path sees the stripped path, but its
// endpoints and the way back after a login follow the URL the browser asked for.
func TestHandlerUnderHandlePath(t *testing.T) {
	e := newEnv(t, envOptions{
		emulator: func(o *kakaotest.Options) {
			for i, u := range o.RedirectURIs {
				o.RedirectURIs[i] = strings.Replace(u, "/.auth/", "/app/.auth/", 1)
			}
		},
		body: `
	handle_path /app/* {
		kakaogate {
			@GATE@
			path_prefix /app/.auth
		}
		reverse_proxy @UPSTREAM@
	}
	respond "public" 200`})

	c := e.browser()
	resp := e.login(c, "/app/reports?week=49", 1001)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.RequestURI() != "/app/reports?week=49" {
		t.Fatalf("login under handle_path ended on %d %s\n%s", resp.StatusCode, resp.Request.URL, e.caddy.Logs())
	}
	if got := e.up.last(t).URL.Path; got != "/reports" {
		t.Fatalf("the upstream got %q, want the stripped /reports", got)
	}
	assertUpstreamSaw(t, e, "1001")
	if resp, body := get(t, c, e.base+"/app/.auth/me"); resp.StatusCode != http.StatusOK || !strings.Contains(body, "1001") {
		t.Fatalf("/app/.auth/me: %d %s", resp.StatusCode, body)
	}
}

// TestHandlersThatDisagreeAreRefused: two handlers of one site with different path prefixes
// cannot share a session (nor can different secrets, providers or stores). The configuration
// is refused when it is loaded: `caddy validate` and `caddy run` fail, naming the site, both
// handlers, the setting and the fix.
func TestHandlersThatDisagreeAreRefused(t *testing.T) {
	closed := testcaddy.FreePort(t)
	gate := fmt.Sprintf("client_id id\n\t\tissuer http://127.0.0.1:%d\n\t\tapi_url http://127.0.0.1:%d\n\t\tcookie_secret %s",
		closed, closed, testSecret)
	tests := []struct{ name, body string }{
		{"two handlers at the top of the site", `
	kakaogate {
		@GATE@
		optional
	}
	@admin path /admin/*
	kakaogate @admin {
		@GATE@
		path_prefix /auth2
	}`},
		{"a site-wide handler and one in a handle block", `
	kakaogate {
		@GATE@
		optional
	}
	handle /admin/* {
		kakaogate {
			@GATE@
			path_prefix /auth2
		}
	}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cf := testcaddy.WriteFile(t, "Caddyfile", fmt.Sprintf("{\n\tadmin 127.0.0.1:%d\n\tpersist_config off\n}\n"+
				"http://localhost:%d {\n%s\n\trespond ok\n}", testcaddy.FreePort(t), testcaddy.FreePort(t),
				strings.ReplaceAll(tt.body, "@GATE@", gate)))
			for _, cmd := range []string{"validate", "run"} {
				out, err := testcaddy.Run(caddyBin, cmd, "--config", cf, "--adapter", "caddyfile")
				for _, want := range []string{"site localhost: set provider, client_id, cookie_secret, session and path_prefix once in the global kakaogate option",
					"the kakaogate handler for every request and the one ", "differ in path_prefix (/.auth before, /auth2 here)"} {
					if err == nil || !strings.Contains(out, want) {
						t.Fatalf("caddy %s: err=%v, want output containing %q:\n%s", cmd, err, want, out)
					}
				}
			}
		})
	}
}

// TestHandlersThatDisagreeInANamedRoute: a handler in a named route (invoke) has no place in
// the site the configuration check can see, so a request that meets it after a handler with
// another path prefix gets an error page and the log names the setting.
func TestHandlersThatDisagreeInANamedRoute(t *testing.T) {
	e := newEnv(t, envOptions{body: `
	kakaogate {
		@GATE@
		optional
	}
	invoke admin-gate
	reverse_proxy @UPSTREAM@`, after: `
&(admin-gate) {
	kakaogate {
		@GATE@
		path_prefix /auth2
	}
}`})
	before := e.up.count()
	resp, body := get(t, e.browser(), e.base+"/admin/x")
	if resp.StatusCode != http.StatusInternalServerError || e.up.count() != before {
		t.Fatalf("disagreeing handlers: %d (upstream reached %d times)\n%s", resp.StatusCode, e.up.count()-before, body)
	}
	if !e.caddy.LogsSoon("differ in path_prefix") {
		t.Fatalf("the log does not name the setting:\n%s", e.caddy.Logs())
	}
}

// TestHandlersThatDisagreeOnSharedSettingsFailValidate: every setting docs/caddyfile.md says
// the handlers of a site share is compared; `caddy validate` fails naming the setting, for
// settings that once loaded silently (one handler's login button then led nowhere for the
// other, or its cookie went to other hosts, or lived for another time).
func TestHandlersThatDisagreeOnSharedSettingsFailValidate(t *testing.T) {
	closed := testcaddy.FreePort(t)
	gate := fmt.Sprintf("client_id id\n\t\tissuer http://127.0.0.1:%d\n\t\tapi_url http://127.0.0.1:%d\n\t\tcookie_secret %s",
		closed, closed, testSecret)
	corp := fmt.Sprintf("provider corp {\n\t\t\tissuer http://127.0.0.1:%d/corp\n\t\t\tclient_id c\n\t\t}", closed)
	tests := []struct{ name, first, second, want string }{
		{"session_cookie", "", "session_cookie browser", "differ in session_cookie (persistent before, browser here)"},
		{"cookie_domain", "cookie_domain a.example", "cookie_domain b.example", "differ in cookie_domain (a.example before, b.example here)"},
		{"a provider block", "", corp, "differ in provider <name> { … } blocks"},
		{"client_secret", "client_secret one", "client_secret two", "differ in client_secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cf := testcaddy.WriteFile(t, "Caddyfile", fmt.Sprintf("http://localhost:8080 {\n"+
				"\tkakaogate {\n\t\t%s\n\t\toptional\n\t\t%s\n\t}\n"+
				"\t@admin path /admin/*\n\tkakaogate @admin {\n\t\t%s\n\t\t%s\n\t}\n\trespond ok\n}", gate, tt.first, gate, tt.second))
			out, err := testcaddy.Run(caddyBin, "validate", "--config", cf, "--adapter", "caddyfile")
			for _, want := range []string{"site localhost: ", "the kakaogate handler for every request and the one matching ", tt.want} {
				if err == nil || !strings.Contains(out, want) {
					t.Fatalf("validate: err=%v, want output containing %q:\n%s", err, want, out)
				}
			}
		})
	}
}

package e2e

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The compositions of docs/caddyfile.md's second example, through the built binary: handlers
// in a route block, and a site whose rewrite and try_files run before the handler.

// TestHandlersInARouteBlock: in a route block the handlers run in the order written: a
// site-wide optional one, then one for /vip only. A logout there ends on the signed-out page
// (the handler serving it cannot know what the other protects).
func TestHandlersInARouteBlock(t *testing.T) {
	e := newEnv(t, envOptions{body: `
	route {
		kakaogate {
			@GATE@
			optional
		}
		@vip path /vip /vip/*
		kakaogate @vip {
			@GATE@
			allow id 1001
		}
		reverse_proxy @UPSTREAM@
	}`})

	anon := e.browser()
	if resp, _ := get(t, anon, e.base+"/blog", "X-Auth-User-Id: 1001"); resp.StatusCode != http.StatusOK {
		t.Fatalf("an anonymous visit: %d", resp.StatusCode)
	}
	assertUpstreamSaw(t, e, "")

	ryan := e.browser()
	logsInAt(t, e, ryan, "/vip/lounge", 1001)
	if resp, _ := get(t, ryan, e.base+"/blog", "X-Auth-Role: admin"); resp.StatusCode != http.StatusOK {
		t.Fatalf("the public part with a session: %d", resp.StatusCode)
	}
	assertUpstreamSaw(t, e, "1001")

	neo := e.browser()
	before := e.up.count()
	resp := e.login(neo, "/vip/lounge", 1003)
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || e.up.count() != before {
		t.Fatalf("another user at /vip: %d, upstream reached %d times", resp.StatusCode, e.up.count()-before)
	}

	out := submitPage(t, noRedirects(ryan), e.base+"/.auth/logout", "confirm", "yes")
	out.Body.Close()
	if out.StatusCode != http.StatusFound || out.Header.Get("Location") != "/.auth/signed-out" {
		t.Fatalf("logout in a route block: %d to %q, want the signed-out page", out.StatusCode, out.Header.Get("Location"))
	}
}

// TestRewriteAndTryFilesBeforeAProtectedSite: Caddy runs rewrite and try_files before
// kakaogate, so every request the handler sees is rewritten (here to the SPA's /index.html).
// The endpoints are still served and the login still returns to the URL the browser asked
// for: the gateway reads Caddy's original request URI.
func TestRewriteAndTryFilesBeforeAProtectedSite(t *testing.T) {
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "index.html"), []byte("<!doctype html>spa"), 0o644); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, envOptions{body: `
	root * ` + root + `
	rewrite /team /members/list
	try_files {path} /index.html
	kakaogate {
		@GATE@
	}
	reverse_proxy @UPSTREAM@`})

	anon := e.browser()
	before := e.up.count()
	if resp, body := get(t, anon, e.base+"/.auth/me", "Accept: application/json"); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "unauthenticated") {
		t.Fatalf("/.auth/me without a session behind try_files: %d %s", resp.StatusCode, body)
	}
	if e.up.count() != before {
		t.Fatal("a request reached the upstream without a session")
	}

	for _, path := range []string{"/team?tab=2", "/reports?week=49"} {
		c := e.browser()
		resp := e.login(c, path, 1001)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Request.URL.RequestURI() != path {
			t.Fatalf("login at %s ended on %d %s\n%s", path, resp.StatusCode, resp.Request.URL, e.caddy.Logs())
		}
		if got := e.up.last(t).URL.Path; got != "/index.html" {
			t.Fatalf("the upstream got %q, want the rewritten /index.html", got)
		}
		assertUpstreamSaw(t, e, "1001")
		if resp, body := get(t, c, e.base+"/.auth/me"); resp.StatusCode != http.StatusOK || !strings.Contains(body, "1001") {
			t.Fatalf("/.auth/me with the session: %d %s", resp.StatusCode, body)
		}
	}
}

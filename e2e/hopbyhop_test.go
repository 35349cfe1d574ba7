package e2e

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/kakaogate/kakaogate/kakaotest"
)

// hostileHopByHop names every header the gateway sets in Connection and Proxy-Connection,
// in odd cases, next to the ordinary keep-alive: Caddy's reverse_proxy would delete them
// after the gateway set them.
var hostileHopByHop = []string{
	"Connection: keep-alive, X-Auth-Signed-Up, x-auth-user-id, X-AUTH-STATUS",
	"Connection: X-Auth-Assertion, X-Auth-Nickname, X-Auth-Email, X-App-User",
	"Proxy-Connection: X-Auth-Signed-Up, X-App-User",
}

// TestHopByHopHeadersCannotHideIdentity: a client naming the identity headers in Connection
// does not make Caddy drop them; the upstream receives the true identity, including
// X-Auth-Signed-Up: false, on protected and optional routes, with and without a session, and
// on a public route no client-sent identity gets through.
func TestHopByHopHeadersCannotHideIdentity(t *testing.T) {
	e := newEnv(t, envOptions{
		emulator: func(o *kakaotest.Options) { o.DisableAutoLink = true },
		matcher:  "@private",
		site:     "@private not path /opt/*",
		extra:    "assertion\n\t\theader X-App-User id\n\t\theader X-Auth-User-Id id",
	})
	opt := newEnv(t, envOptions{extra: "optional"})
	c := e.browser()
	e.login(c, "/", 1001).Body.Close()
	get(t, c, e.base+"/app", hostileHopByHop...)
	h := e.up.last(t).Header
	for name, want := range map[string]string{"X-Auth-Signed-Up": "false", "X-Auth-User-Id": "1001", "X-App-User": "1001", "X-Auth-Status": "authenticated"} {
		if got := h.Get(name); got != want {
			t.Errorf("protected route: upstream got %s = %q, want %q (all: %v)", name, got, want, h)
		}
	}
	if h.Get("X-Auth-Assertion") == "" {
		t.Errorf("protected route: the assertion was dropped: %v", h)
	}
	get(t, e.browser(), e.base+"/opt/page", append([]string{"X-Auth-User-Id: 999", "X-App-User: 999"}, hostileHopByHop...)...)
	h = e.up.last(t).Header
	if h.Get("X-Auth-User-Id") != "" || h.Get("X-App-User") != "" {
		t.Errorf("public route without a session: the client's identity reached the upstream: %v", h)
	}

	oc := opt.browser()
	get(t, oc, opt.base+"/article", hostileHopByHop...)
	if got := opt.up.last(t).Header.Get("X-Auth-Status"); got != "anonymous" {
		t.Errorf("optional route without a session: X-Auth-Status = %q, want anonymous", got)
	}
	opt.login(oc, "/.auth/login", 1002).Body.Close()
	get(t, oc, opt.base+"/article", hostileHopByHop...)
	if h := opt.up.last(t).Header; h.Get("X-Auth-Status") != "authenticated" || h.Get("X-Auth-User-Id") != "1002" {
		t.Errorf("optional route with a session: upstream saw %v", h)
	}
}

// TestIdentityTrailersNeverReachUpstream: request trailers named like the gateway's headers,
// declared or not, are dropped on protected and public routes; the app's own trailers pass.
func TestIdentityTrailersNeverReachUpstream(t *testing.T) {
	e := newEnv(t, envOptions{matcher: "@private", site: "@private not path /public/*", extra: "header X-App-User id"})
	c := e.browser()
	e.login(c, "/", 1001).Body.Close()
	for _, path := range []string{"/app", "/public/form"} {
		req, err := http.NewRequest(http.MethodPost, e.base+path, io.NopCloser(strings.NewReader("a=1")))
		if err != nil {
			t.Fatal(err)
		}
		req.ContentLength = -1 // chunked, so trailers can follow
		req.Header.Set("Accept", "application/json")
		req.Trailer = http.Header{
			"X-Auth-User-Id": {"999"}, "X-Auth-Signed-Up": {"true"}, "X-App-User": {"999"}, "X-Checksum": {"ok"},
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("POST %s: %d", path, resp.StatusCode)
		}
		up := e.up.last(t)
		if up.Trailer.Get("X-Checksum") != "ok" {
			t.Errorf("POST %s: the app's own trailer did not arrive (trailers %v): the test cannot see trailers", path, up.Trailer)
		}
		for _, name := range []string{"X-Auth-User-Id", "X-Auth-Signed-Up", "X-App-User"} {
			if v := up.Trailer.Values(name); len(v) > 0 {
				t.Errorf("POST %s: trailer %s: %v reached the upstream", path, name, v)
			}
		}
	}
}

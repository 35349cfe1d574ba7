package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/internal/redistest"
	"github.com/kakaogate/kakaogate/kakaotest"
)

// Emulator paths the IdP fault test breaks.
const (
	discoveryPath = "/.well-known/openid-configuration"
	jwksPath      = "/.well-known/jwks.json"
	tokenPath     = "/oauth/token"
	userMePath    = "/v2/user/me"
)

// loginEndsOnErrorPage logs user in through a fresh browser and checks the login ends on the
// gateway's error page with one of the statuses want, without a session and without reaching
// the upstream.
func (e *env) loginEndsOnErrorPage(t *testing.T, user int64, want ...int) {
	t.Helper()
	before := e.up.count()
	c := e.browser()
	resp, err := kakaotest.Login(c, e.base+"/app/login", user)
	if err != nil {
		t.Fatalf("login as %d: %v", user, err)
	}
	body := readAll(resp)
	ok := false
	for _, w := range want {
		ok = ok || resp.StatusCode == w
	}
	if !ok || !strings.Contains(body, "Request ID") || !strings.Contains(body, "Try again") {
		t.Fatalf("login as %d ended with %d, want the error page with one of %v:\n%s", user, resp.StatusCode, want, body)
	}
	if sessionCookie(c, e.base) != "" {
		t.Errorf("a failed login as %d set a session cookie", user)
	}
	if n := e.up.count(); n != before {
		t.Errorf("%d requests reached the upstream during a failed login", n-before)
	}
}

// loginReachesUpstream logs user in through a fresh browser and checks the upstream got them.
func (e *env) loginReachesUpstream(t *testing.T, user int64, id string) {
	t.Helper()
	resp := e.login(e.browser(), "/app/login", user)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || e.up.last(t).Header.Get("X-Auth-User-Id") != id {
		t.Fatalf("login as %d: %d, upstream saw %v", user, resp.StatusCode, e.up.last(t).Header)
	}
}

// TestIdPFaultsThroughCaddy (about 2 s) breaks the Kakao emulator's endpoints under the real
// Caddy binary with sessions in Redis: a failing token endpoint or user API fails new logins
// with a clear 503/502 page while the existing session keeps working; an empty JWKS and a
// failing discovery do not stop logins, which use the cached document and keys; Caddy
// restarted with discovery and JWKS still broken starts and serves the existing session,
// logins fail clearly, and they work again once the IdP does, without another restart.
func TestIdPFaultsThroughCaddy(t *testing.T) {
	rs := redistest.Start(t)
	e := newEnv(t, envOptions{session: "session redis redis://" + rs.Addr() + "/0"})
	c := e.browser()
	e.login(c, "/", 1001).Body.Close()
	cookie := sessionCookie(c, e.base)
	sessionWorks := func(when string) {
		t.Helper()
		if got := replay(t, e.base, cookie); got != http.StatusOK || e.up.last(t).Header.Get("X-Auth-User-Id") != "1001" {
			t.Fatalf("the existing session %s: %d", when, got)
		}
	}

	e.emulator.SetFault(tokenPath, kakaotest.Fault{Status: http.StatusInternalServerError})
	sessionWorks("while the token endpoint fails")
	e.loginEndsOnErrorPage(t, 1002, http.StatusServiceUnavailable)
	e.emulator.ClearFaults()

	e.emulator.SetFault(userMePath, kakaotest.Fault{Status: http.StatusOK, Body: "<html>not JSON</html>"})
	e.loginEndsOnErrorPage(t, 1002, http.StatusBadGateway, http.StatusServiceUnavailable)
	e.emulator.ClearFaults()

	e.emulator.SetFault(jwksPath, kakaotest.Fault{Status: http.StatusOK, Body: `{"keys":[]}`})
	e.emulator.SetFault(discoveryPath, kakaotest.Fault{Status: http.StatusInternalServerError})
	e.loginReachesUpstream(t, 1002, "1002")
	sessionWorks("while discovery and the JWKS fail")

	e.caddy.Restart() // waits until Caddy serves: it starts with the IdP broken
	c.CloseIdleConnections()
	sessionWorks("after a restart with the IdP broken")
	e.loginEndsOnErrorPage(t, 1003, http.StatusServiceUnavailable)

	e.emulator.ClearFaults()
	recovered := false
	for deadline := time.Now().Add(5 * time.Second); !recovered && time.Now().Before(deadline); {
		resp, err := kakaotest.Login(e.browser(), e.base+"/app/login", 1003)
		if err == nil {
			recovered = resp.StatusCode == http.StatusOK
			resp.Body.Close()
		}
		if !recovered {
			time.Sleep(200 * time.Millisecond)
		}
	}
	if !recovered || e.up.last(t).Header.Get("X-Auth-User-Id") != "1003" {
		t.Fatalf("logins did not recover within 5 s of the IdP\n--- caddy log ---\n%s", e.caddy.Logs())
	}
}

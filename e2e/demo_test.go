package e2e

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/kakaogate/kakaogate/internal/testcaddy"
	"github.com/kakaogate/kakaogate/kakaotest"
)

// TestDemoCaddyfileLogsInAndShowsHeaders runs examples/demo/Caddyfile (its fixed ports moved
// to free ones) and does what the README tells a new user to do: open the site, log in as a
// test user on the emulator's page, land on the sample app showing the injected headers, and
// log out through the confirmation page, which ends the session.
func TestDemoCaddyfileLogsInAndShowsHeaders(t *testing.T) {
	cf, gw := testcaddy.ExampleOnFreePorts(t, "../examples/demo/Caddyfile", "8080", "8081", "9090", "2019")
	base := fmt.Sprintf("http://localhost:%d", gw)
	caddy := testcaddy.Start(t, caddyBin, cf, base+"/.auth/me")

	assertNoStartupWarnings(t, caddy.Logs())

	e := &env{t: t, base: base, caddy: caddy}
	c := e.browser()
	resp, err := kakaotest.Login(c, base+"/", 1001)
	if err != nil {
		t.Fatalf("demo login: %v\n%s", err, caddy.Logs())
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("demo landing page: %d\n%s", resp.StatusCode, page)
	}
	for _, want := range []string{"X-Auth-User-Id", "1001", "X-Auth-Nickname", "X-Auth-Email", "Log out"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("the sample app's page lacks %q:\n%s", want, page)
		}
	}
	// The sample upstream answers JSON with the headers it received.
	_, body := get(t, c, base+"/", "Accept: application/json")
	if !strings.Contains(body, `"X-Auth-User-Id":["1001"]`) {
		t.Errorf("JSON view of the sample app = %s", body)
	}
	// Logging out through the confirmation page ends the session.
	logOutAndWantSessionEnded(t, c, base, "/")
}

// assertNoStartupWarnings checks that a newcomer's first start shows no warning to puzzle
// over: only the emulator's own "development only" line (no "HTTP/2 skipped" lines for
// plain-http sites).
func assertNoStartupWarnings(t *testing.T, logs string) {
	t.Helper()
	for _, line := range strings.Split(logs, "\n") {
		if strings.Contains(line, `"level":"warn"`) && !strings.Contains(line, "kakao_emulator serves a fake Kakao Login") {
			t.Errorf("the example starts with a warning: %s", line)
		}
	}
}

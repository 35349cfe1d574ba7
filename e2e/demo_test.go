package e2e

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/kakaogate/kakaogate/internal/testcaddy"
	"github.com/kakaogate/kakaogate/kakaotest"
)

// TestDemoCaddyfileLogsInAndShowsHeaders runs examples/demo/Caddyfile (its fixed ports moved
// to free ones) and does what the README tells a new user to do: open the site, log in as a
// test user on the emulator's page, and land on the sample app showing the injected headers.
func TestDemoCaddyfileLogsInAndShowsHeaders(t *testing.T) {
	raw, err := os.ReadFile("../examples/demo/Caddyfile")
	if err != nil {
		t.Fatal(err)
	}
	gw, up, emu, admin := testcaddy.FreePort(t), testcaddy.FreePort(t), testcaddy.FreePort(t), testcaddy.FreePort(t)
	cf := strings.NewReplacer(
		":8080", fmt.Sprintf(":%d", gw),
		":8081", fmt.Sprintf(":%d", up),
		":9090", fmt.Sprintf(":%d", emu),
		"localhost:2019", fmt.Sprintf("127.0.0.1:%d", admin),
	).Replace(string(raw))
	for _, fixed := range []string{"8080", "8081", "9090", "2019"} {
		if strings.Contains(cf, ":"+fixed) {
			t.Fatalf("the demo Caddyfile uses port %s somewhere the test did not expect", fixed)
		}
	}
	base := fmt.Sprintf("http://localhost:%d", gw)
	caddy := testcaddy.Start(t, caddyBin, cf, base+"/.auth/me")

	// A newcomer's first start shows no warning to puzzle over: only the emulator's own
	// "development only" line (no "HTTP/2 skipped" lines for the plain-http demo sites).
	for _, line := range strings.Split(caddy.Logs(), "\n") {
		if strings.Contains(line, `"level":"warn"`) && !strings.Contains(line, "kakao_emulator serves a fake Kakao Login") {
			t.Errorf("the demo starts with a warning: %s", line)
		}
	}

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
	resp, _ = get(t, c, base+"/.auth/logout")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("logout page: %d", resp.StatusCode)
	}
}

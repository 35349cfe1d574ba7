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

// TestExistingSiteExample runs examples/existing-site/Caddyfile, the README's "put your
// existing site behind it", as a newcomer would: the public page opens without a login, the
// members area logs in through the emulator and shows who the person is, and its logout
// link ends the session.
func TestExistingSiteExample(t *testing.T) {
	cf, gw := testcaddy.ExampleOnFreePorts(t, "../examples/existing-site/Caddyfile", "8080", "3000", "9090")
	base := fmt.Sprintf("http://localhost:%d", gw)
	caddy := testcaddy.Start(t, caddyBin, cf, base+"/.auth/healthz")
	assertNoStartupWarnings(t, caddy.Logs())

	e := &env{t: t, base: base, caddy: caddy}
	c := e.browser()
	resp, home := get(t, c, base+"/", "Accept: text/html")
	if resp.StatusCode != http.StatusOK || !strings.Contains(home, "This page is public") {
		t.Fatalf("public page without a login: %d %s", resp.StatusCode, home)
	}
	resp, err := kakaotest.Login(c, base+"/members", 1001)
	if err != nil {
		t.Fatalf("login to the members area: %v\n%s", err, caddy.Logs())
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/members" ||
		!strings.Contains(string(page), "Kakao user 1001") || !strings.Contains(string(page), `href="/.auth/logout"`) {
		t.Fatalf("members page after login: %d at %s\n%s", resp.StatusCode, resp.Request.URL, page)
	}
	logOutAndWantSessionEnded(t, c, base, "/members")
}

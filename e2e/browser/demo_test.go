package browser

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/kakaogate/kakaogate/internal/testcaddy"
)

// TestDemoFitsAPhone runs the README's demo (examples/demo/Caddyfile on free ports) and logs
// in on a 390 px phone screen: the sample app's page, with its long header values, fits the
// screen without sideways scrolling.
func TestDemoFitsAPhone(t *testing.T) {
	requireChrome(t)
	cf, port := testcaddy.ExampleOnFreePorts(t, "../../examples/demo/Caddyfile", "8080", "8081", "9090", "2019")
	e := &env{t: t, base: fmt.Sprintf("http://localhost:%d", port)}
	e.caddy = testcaddy.Start(t, caddyBin, cf, e.base+"/.auth/me")
	b := openTab(t, e, "demo-phone", tabOptions{mobile: true, width: 390})
	b.open("/")
	b.click(`button[name="user"][value="1001"]`)
	if b.location().Path == "/oauth/authorize/consent" {
		b.click(kakaoAgree)
	}
	if got := b.text("h1"); !strings.Contains(got, "Ryan") {
		b.fail("after logging in the demo greets %q, want Ryan", got)
	}
	b.screenshot("sample-app")
	widths, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]int](`[window.innerWidth, document.documentElement.scrollWidth]`))
	if err != nil {
		b.fail("measuring the page: %v", err)
	}
	if len(widths) != 2 || widths[0] != 390 || widths[1] > widths[0] {
		b.fail("viewport and page widths %v: the page must fit the 390 px screen", widths)
	}
}

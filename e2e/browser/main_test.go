package browser

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/kakaogate/kakaogate/internal/testcaddy"
)

// caddyBin is the Caddy binary under test and chrome the shared headless Chromium, both set
// up once by TestMain; chrome is nil (with chromeMissing saying why) when Chromium cannot run
// here.
var (
	caddyBin      string
	chrome        *browserProcess
	chromeMissing string
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	path, err := chromiumPath()
	if err != nil {
		chromeMissing = err.Error()
		fmt.Fprintf(os.Stderr, "\n%s\n\n", missingChromiumBanner(chromeMissing))
		if os.Getenv(requireChromiumEnv) != "1" {
			return m.Run() // every journey skips, loudly
		}
	}
	dir, err := os.MkdirTemp("", "kakaogate-browser-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	if caddyBin, err = testcaddy.Build(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if chromeMissing == "" {
		if chrome, err = startBrowser(context.Background(), path); err != nil {
			fmt.Fprintf(os.Stderr, "starting Chromium %s: %v\n", path, err)
			return 1
		}
		defer chrome.stop()
	}
	return m.Run()
}

package browser

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"
)

// Environment variables of the browser journeys.
const (
	// chromiumEnv overrides the Chromium binary (default: Debian's /usr/bin/chromium).
	chromiumEnv = "KAKAOGATE_CHROMIUM"
	// requireChromiumEnv=1 makes a missing Chromium a failure instead of a skip (CI sets it).
	requireChromiumEnv = "KAKAOGATE_REQUIRE_CHROMIUM"
	defaultChromium    = "/usr/bin/chromium"
)

// Time bounds: Chromium's start, and one whole journey (every step of it shares the budget).
const (
	browserStartTimeout = 30 * time.Second
	journeyTimeout      = 45 * time.Second
)

// chromiumPath returns the Chromium binary to run, or why there is none.
func chromiumPath() (string, error) {
	path := os.Getenv(chromiumEnv)
	if path == "" {
		path = defaultChromium
	}
	fi, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("chromium not found at %s: %w", path, err)
	}
	if fi.IsDir() || fi.Mode()&0o111 == 0 {
		return "", fmt.Errorf("chromium at %s is not an executable file", path)
	}
	return path, nil
}

func missingChromiumBanner(why string) string {
	return "*** browser journeys: " + why + " ***\n" +
		"*** Install Debian's chromium package (scripts/test does so when run as root), or set " + chromiumEnv + ". ***\n" +
		"*** Without it the browser journeys are SKIPPED; " + requireChromiumEnv + "=1 makes this a failure. ***"
}

// requireChrome skips (or, under KAKAOGATE_REQUIRE_CHROMIUM=1, fails) a journey when
// Chromium cannot run here.
func requireChrome(t *testing.T) {
	t.Helper()
	if chrome != nil {
		return
	}
	if os.Getenv(requireChromiumEnv) == "1" {
		t.Fatalf("\n%s", missingChromiumBanner(chromeMissing))
	}
	t.Skipf("\n%s", missingChromiumBanner(chromeMissing))
}

// browserProcess is one headless Chromium with a fresh profile; journeys get isolated
// browser contexts (own cookies and storage) in it.
type browserProcess struct {
	ctx       context.Context // the browser's root chromedp context
	cancel    context.CancelFunc
	userAgent string // the browser's own User-Agent
}

// startBrowser launches Chromium headless with a fresh --user-data-dir and without any
// background network traffic of its own.
func startBrowser(parent context.Context, path string) (*browserProcess, error) {
	dataDir, err := os.MkdirTemp("", "kakaogate-chromium-")
	if err != nil {
		return nil, err
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(dataDir),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("no-default-browser-check", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-features", "Translate,MediaRouter,OptimizationHints"),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("force-color-profile", "srgb"),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(parent, opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	bp := &browserProcess{ctx: ctx, cancel: func() {
		cancelCtx()
		cancelAlloc() // kills Chromium and waits for it
		_ = os.RemoveAll(dataDir)
	}}
	// The first Run starts the browser; it must not carry a timeout (that would end the
	// browser with it), so the start is bounded from outside.
	started := make(chan error, 1)
	go func() {
		v, err := chromedp.Run(ctx, func(ctx context.Context, t *chromedp.Target) (browser.GetVersionResult, error) {
			return cdp.Call(ctx, t, browser.GetVersion, cdp.Empty{})
		})
		if err == nil {
			bp.userAgent = v.UserAgent
		}
		started <- err
	}()
	select {
	case err = <-started:
	case <-time.After(browserStartTimeout):
		err = fmt.Errorf("no answer within %s", browserStartTimeout)
	}
	if err != nil {
		bp.cancel()
		return nil, err
	}
	return bp, nil
}

func (bp *browserProcess) stop() { bp.cancel() }

// Browsers the journeys play.
const (
	// langKO is what a browser set to Korean sends.
	langKO = "ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7"
	// talkUserAgent is KakaoTalk's in-app browser on Android.
	talkUserAgent = "Mozilla/5.0 (Linux; Android 14; SM-S918N) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0.6613.127 Mobile Safari/537.36;KAKAOTALK 2410870"
)

// tabOptions shape one journey's browser.
type tabOptions struct {
	lang      string // Accept-Language, e.g. "ko-KR,ko;q=0.9,en;q=0.5"; default "en-US,en;q=0.9"
	userAgent string // default: Chromium's own
	mobile    bool   // a phone-sized viewport (the in-app browser); default a laptop's
	width     int64  // with mobile, the phone's width in CSS pixels; default 412
}

// openTab gives the journey its own browser context (cookies, storage) and tab, bounded by
// journeyTimeout and closed when the test ends.
func openTab(t *testing.T, e *env, name string, o tabOptions) *tab {
	t.Helper()
	requireChrome(t)
	ctx, cancelTimeout := context.WithTimeout(chrome.ctx, journeyTimeout)
	ctx, cancelTab := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(func() {
		cancelTab()
		cancelTimeout()
	})
	if o.lang == "" {
		o.lang = "en-US,en;q=0.9"
	}
	if o.userAgent == "" {
		o.userAgent = strings.Replace(chrome.userAgent, "HeadlessChrome", "Chrome", 1)
	}
	tb := &tab{t: t, ctx: ctx, env: e, name: name, userAgent: o.userAgent}
	width, height := int64(1024), int64(800)
	var vopts []chromedp.EmulateViewportOption
	if o.mobile {
		width, height = cmp.Or(o.width, 412), 860
		vopts = append(vopts, chromedp.EmulateMobile)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(width, height, vopts...)); err != nil {
		t.Fatalf("opening a tab: %v", errors.Join(err, ctx.Err()))
	}
	tb.setLanguage(o.lang)
	tb.record()
	return tb
}

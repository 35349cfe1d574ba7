package browser

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// tab is one journey's browser tab.
type tab struct {
	t    *testing.T
	ctx  context.Context
	env  *env
	name string // the journey, prefix of its screenshots

	userAgent string

	mu   sync.Mutex
	docs []*url.URL // every document request so far, redirects included
}

// record keeps the URL of every document the tab requests, so journeys can tell which pages
// (and redirects) a navigation went through.
func (b *tab) record() {
	err := chromedp.Listen(b.ctx, func(ev any) {
		if e, ok := ev.(*network.EventRequestWillBeSent); ok && e.Type == network.ResourceTypeDocument {
			if u, err := url.Parse(e.Request.URL); err == nil {
				b.mu.Lock()
				b.docs = append(b.docs, u)
				b.mu.Unlock()
			}
		}
	})
	if err != nil {
		b.t.Fatalf("listening to the tab: %v", err)
	}
}

// visited returns the document URLs requested since mark (a value of b.mark()).
func (b *tab) visited(mark int) []*url.URL {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]*url.URL(nil), b.docs[mark:]...)
}

// mark is the position in the document history from which visited counts.
func (b *tab) mark() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.docs)
}

// fail ends the journey with what the tab shows: the message, the current URL, a screenshot
// named <journey>-FAILED.png and the gateway's log.
func (b *tab) fail(format string, args ...any) {
	b.t.Helper()
	msg := fmt.Sprintf(format, args...)
	ctx, cancel := context.WithTimeout(context.WithoutCancel(b.ctx), 5*time.Second)
	defer cancel()
	if loc, err := chromedp.Run(ctx, chromedp.Location()); err == nil {
		msg += "\nat " + loc
	}
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		if p, err := saveArtifact(b.name+"-FAILED.png", png); err == nil {
			msg += "\nscreenshot: " + p
		}
	}
	b.t.Fatalf("%s: %s\n--- caddy log ---\n%s", b.name, msg, b.env.caddy.Logs())
}

// open navigates to path (relative to the gateway) or an absolute URL and returns the final
// document's response, after any redirects.
func (b *tab) open(target string) *network.Response {
	b.t.Helper()
	if strings.HasPrefix(target, "/") {
		target = b.env.base + target
	}
	resp, err := chromedp.Run(b.ctx, chromedp.NavigateResponse(target))
	if err != nil {
		b.fail("opening %s: %v", target, errors.Join(err, b.ctx.Err()))
	}
	return resp
}

// click presses the element sel (a CSS selector) and waits for the navigation it starts; it
// returns the final document's response.
func (b *tab) click(sel string) *network.Response {
	b.t.Helper()
	return b.navigate("clicking "+sel, chromedp.Click(chromedp.CSS(sel)))
}

// back goes one step back in the tab's history and returns the document's response (nil
// when the browser showed the page from its memory without asking the server).
func (b *tab) back() *network.Response {
	b.t.Helper()
	return b.navigate("going back", chromedp.NavigateBack())
}

// reload reloads the page and returns the document's response.
func (b *tab) reload() *network.Response {
	b.t.Helper()
	return b.navigate("reloading", chromedp.Reload())
}

// navigate runs action, which starts a navigation, and returns the final document's response.
func (b *tab) navigate(what string, action chromedp.Action[chromedp.Void]) *network.Response {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, action)
	if err != nil {
		b.fail("%s: %v", what, errors.Join(err, b.ctx.Err()))
	}
	return resp
}

// toggle clicks a checkbox or another element that does not navigate.
func (b *tab) toggle(sel string) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, chromedp.Click(chromedp.CSS(sel))); err != nil {
		b.fail("clicking %s: %v", sel, err)
	}
}

// text returns the visible text of the element sel, waiting for it to appear.
func (b *tab) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.fail("reading %s: %v", sel, errors.Join(err, b.ctx.Err()))
	}
	return strings.TrimSpace(s)
}

// has reports whether the current page has an element matching sel, without waiting.
func (b *tab) has(sel string) bool {
	b.t.Helper()
	n, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](fmt.Sprintf("document.querySelector(%q) !== null", sel)))
	if err != nil {
		b.fail("looking for %s: %v", sel, err)
	}
	return n
}

// attr returns an attribute of the element sel (empty when absent).
func (b *tab) attr(sel, name string) string {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](fmt.Sprintf(
		"(document.querySelector(%q) || {getAttribute(){return ''}}).getAttribute(%q) || ''", sel, name)))
	if err != nil {
		b.fail("reading %s of %s: %v", name, sel, err)
	}
	return v
}

// location is the tab's current URL.
func (b *tab) location() *url.URL {
	b.t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.fail("reading the location: %v", err)
	}
	u, err := url.Parse(loc)
	if err != nil {
		b.fail("location %q: %v", loc, err)
	}
	return u
}

// expect checks the tab shows the page that has sel, at path on host (the gateway's when
// host is empty), answered with status.
func (b *tab) expect(resp *network.Response, status int64, path, sel string) {
	b.t.Helper()
	loc := b.location()
	switch {
	case resp == nil:
		b.fail("no document response (want %d at %s)", status, path)
	case resp.Status != status:
		b.fail("status %d, want %d at %s", resp.Status, status, path)
	case loc.Path != path:
		b.fail("at path %s, want %s", loc.Path, path)
	case !b.has(sel):
		b.fail("the page has no %s", sel)
	}
}

// screenshot saves the whole page as <journey>-<step>.png in the artifacts directory.
func (b *tab) screenshot(step string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.fail("screenshot %s: %v", step, err)
	}
	p, err := saveArtifact(b.name+"-"+step+".png", png)
	if err != nil {
		b.t.Fatalf("saving the screenshot: %v", err)
	}
	b.t.Logf("screenshot %s", p)
}

// saveArtifact writes data as name in $KAKAOGATE_ARTIFACTS (default artifacts/screenshots in
// the repository) and returns its path.
func saveArtifact(name string, data []byte) (string, error) {
	dir := os.Getenv("KAKAOGATE_ARTIFACTS")
	if dir == "" {
		root, err := repoRoot()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(root, "artifacts", "screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	p := filepath.Join(dir, name)
	return p, os.WriteFile(p, data, 0o644)
}

// repoRoot is the directory of the module's go.mod, above the test's working directory.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the working directory")
		}
		dir = parent
	}
}

// setLanguage changes the Accept-Language the tab sends from now on.
func (b *tab) setLanguage(lang string) {
	b.t.Helper()
	err := chromedp.Do(b.ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{
			UserAgent: b.userAgent, AcceptLanguage: lang,
		})
		return err
	}))
	if err != nil {
		b.fail("setting the language: %v", err)
	}
}

// pathsSince lists the paths of the documents requested since mark, redirects included.
func (b *tab) pathsSince(mark int) []string {
	var out []string
	for _, u := range b.visited(mark) {
		out = append(out, u.Path)
	}
	return out
}

// logIn walks a first login from the members area as userID: Kakao's login page, then its
// consent page, back to the members page.
func (b *tab) logIn(userID string) {
	b.t.Helper()
	b.open("/members")
	b.click(`button[name="user"][value="` + userID + `"]`)
	if b.location().Path == "/oauth/authorize/consent" {
		b.click(kakaoAgree)
	}
	if got := b.text("#user-id"); got != userID {
		b.fail("after logging in the app sees user %q, want %s", got, userID)
	}
}

// lang is the page's <html lang>.
func (b *tab) lang() string {
	b.t.Helper()
	return b.attr("html", "lang")
}

// computedStyle returns CSS properties of the element sel as the browser computed them.
func (b *tab) computedStyle(sel string, props ...string) []string {
	b.t.Helper()
	js := fmt.Sprintf(`(() => { const s = getComputedStyle(document.querySelector(%q)); return %s.map(p => s.getPropertyValue(p)); })()`,
		sel, jsStrings(props))
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[[]string](js))
	if err != nil {
		b.fail("computed style of %s: %v", sel, err)
	}
	return v
}

// jsStrings writes ss as a JavaScript array literal.
func jsStrings(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return "[" + strings.Join(q, ",") + "]"
}

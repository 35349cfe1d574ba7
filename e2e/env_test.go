package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/internal/testupstream"

	"github.com/kakaogate/kakaogate/internal/testcaddy"
	"github.com/kakaogate/kakaogate/kakaotest"
)

// testSecret is the cookie secret of the gateways under test.
const testSecret = "e2e-cookie-secret-0123456789-abcdefghijklmnop"

// upstream is the app behind the gateway: it records every request it receives and answers
// with the request's headers as JSON.
type upstream struct {
	*httptest.Server
	testupstream.Recorder
}

func newUpstream(t *testing.T) *upstream {
	u := &upstream{}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.Record(r)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(r.Header)
	}))
	t.Cleanup(u.Close)
	return u
}

// count is how many requests reached the upstream.
func (u *upstream) count() int { return u.Count() }

// last is the most recent request the upstream received.
func (u *upstream) last(t *testing.T) *http.Request { return u.Last(t) }

// env is one or more gateway instances under test with their emulator and upstream.
type env struct {
	t         *testing.T
	port      int
	base      string // http://localhost:<port> of the first instance
	bases     []string
	emulator  *kakaotest.Server
	up        *upstream
	caddy     *testcaddy.Instance // the first instance
	instances []*testcaddy.Instance
}

// envOptions shape the gateway's Caddyfile.
type envOptions struct {
	session string // the session line, e.g. "session redis redis://…"; default memory
	extra   string // more lines inside the kakaogate block; @UPSTREAM@ becomes the upstream's URL
	matcher string // e.g. "@private" with a matcher definition in site
	site    string // more lines in the site block
	port    int    // gateway port; default a free one
	// instances is how many gateway processes share the emulator (and the session store
	// when it is Redis); default 1. The emulator's webhook goes to the first.
	instances int
	// emulator adjusts the emulator's options.
	emulator func(*kakaotest.Options)
	// body, when set, is the site block after site in place of the one kakaogate directive
	// and the reverse_proxy: @GATE@ becomes the lines every kakaogate block needs (client,
	// issuer, secret, session) and @UPSTREAM@ the upstream's host:port.
	body string
	// after, with body, is more Caddyfile after the site block (a named route &(name) { … }),
	// with the same replacements.
	after string
}

func newEnv(t *testing.T, o envOptions) *env {
	t.Helper()
	e := &env{t: t, port: o.port}
	if e.port == 0 {
		e.port = testcaddy.FreePort(t)
	}
	ports := []int{e.port}
	for len(ports) < max(o.instances, 1) {
		ports = append(ports, testcaddy.FreePort(t))
	}
	emu := kakaotest.Options{}
	for _, p := range ports {
		base := fmt.Sprintf("http://localhost:%d", p)
		e.bases = append(e.bases, base)
		emu.RedirectURIs = append(emu.RedirectURIs, base+"/.auth/callback")
		emu.LogoutRedirectURIs = append(emu.LogoutRedirectURIs, base+"/.auth/logout/callback")
	}
	e.base = e.bases[0]
	emu.WebhookURL = e.base + "/.auth/webhook/unlink"
	if o.emulator != nil {
		o.emulator(&emu)
	}
	e.up = newUpstream(t)
	e.emulator = kakaotest.NewServer(emu)
	t.Cleanup(e.emulator.Close)
	for i, p := range ports {
		e.instances = append(e.instances, testcaddy.Start(t, caddyBin, e.caddyfile(o, p), e.bases[i]+"/.auth/me"))
	}
	e.caddy = e.instances[0]
	return e
}

func (e *env) caddyfile(o envOptions, port int) string {
	session := o.session
	if session == "" {
		session = "session memory"
	}
	if o.body != "" {
		gate := fmt.Sprintf("client_id demo-rest-api-key\n\t\tclient_secret demo-client-secret\n\t\tissuer %s\n\t\tapi_url %s\n\t\tcookie_secret %s\n\t\t%s",
			e.emulator.URL(), e.emulator.URL(), testSecret, session)
		repl := strings.NewReplacer("@GATE@", gate, "@UPSTREAM@", strings.TrimPrefix(e.up.URL, "http://"))
		return fmt.Sprintf("{\n\tadmin 127.0.0.1:%d\n\tpersist_config off\n}\n\nhttp://localhost:%d {\n\tbind 127.0.0.1\n\t%s\n%s\n}\n%s\n",
			testcaddy.FreePort(e.t), port, o.site, repl.Replace(o.body), repl.Replace(o.after))
	}
	return fmt.Sprintf(`{
	admin 127.0.0.1:%d
	persist_config off
}

http://localhost:%d {
	bind 127.0.0.1
	%s
	kakaogate %s {
		client_id demo-rest-api-key
		client_secret demo-client-secret
		issuer %s
		api_url %s
		cookie_secret %s
		%s
		%s
	}
	reverse_proxy %s
}
`, testcaddy.FreePort(e.t), port, o.site, o.matcher, e.emulator.URL(), e.emulator.URL(),
		testSecret, session, strings.ReplaceAll(o.extra, "@UPSTREAM@", e.up.URL), strings.TrimPrefix(e.up.URL, "http://"))
}

// browser returns an HTTP client with a cookie jar that behaves like a browser navigating:
// it follows redirects and asks for HTML.
func (e *env) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 15 * time.Second, Transport: htmlTransport{}}
}

// talkBrowser is browser() inside KakaoTalk's in-app browser.
func (e *env) talkBrowser() *http.Client {
	c := e.browser()
	c.Transport = htmlTransport{userAgent: talkUserAgent}
	return c
}

// talkUserAgent is an Android KakaoTalk in-app browser User-Agent.
const talkUserAgent = "Mozilla/5.0 (Linux; Android 14; SM-S918N) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0 Mobile Safari/537.36;KAKAOTALK 2410870"

// htmlTransport marks every request as a browser navigation unless it says otherwise.
type htmlTransport struct{ userAgent string }

func (t htmlTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	if r.Header.Get("Accept") == "" {
		r.Header.Set("Accept", "text/html,application/xhtml+xml")
		r.Header.Set("Sec-Fetch-Mode", "navigate")
	}
	if t.userAgent != "" {
		r.Header.Set("User-Agent", t.userAgent)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// login signs userID in through the emulator's pages, starting at path, and returns the
// final response (the upstream's page).
func (e *env) login(c *http.Client, path string, userID int64) *http.Response {
	e.t.Helper()
	resp, err := kakaotest.Login(c, e.base+path, userID)
	if err != nil {
		e.t.Fatalf("login as %d: %v\n--- caddy log ---\n%s", userID, err, e.caddy.Logs())
	}
	return resp
}

// get sends a GET with the given headers ("Name: value") and returns status and body.
func get(t *testing.T, c *http.Client, url string, headers ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range headers {
		name, value, _ := strings.Cut(h, ":")
		req.Header.Add(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// noRedirects returns a copy of c that stops at the first redirect.
func noRedirects(c *http.Client) *http.Client {
	cc := *c
	cc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cc
}

// kakaotestLogin logs userID in at base through the emulator's pages.
func kakaotestLogin(c *http.Client, base string, userID int64) (*http.Response, error) {
	return kakaotest.Login(c, base+"/", userID)
}

package e2e

import (
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/internal/testcaddy"
	"github.com/kakaogate/kakaogate/kakaotest"
)

// docSnippet returns the caddyfile block of docs/deployment.md that follows the line
// "<!-- e2e: <marker> …", as written there.
func docSnippet(t *testing.T, marker string) string {
	t.Helper()
	doc, err := os.ReadFile("../docs/deployment.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(doc), "<!-- e2e: "+marker)
	if !ok {
		t.Fatalf("docs/deployment.md has no block marked %q", marker)
	}
	_, rest, ok = strings.Cut(rest, "```caddyfile\n")
	block, _, closed := strings.Cut(rest, "```")
	if !ok || !closed {
		t.Fatalf("the block marked %q is not a caddyfile fence", marker)
	}
	return block
}

// loginSecrets logs user 1001 in through a gateway with debug logs, pass_access_token and
// assertion on, with the given global-options and site lines, and returns Caddy's output and
// the secrets of that login: the callback's code and state and the session cookie's value.
func loginSecrets(t *testing.T, global, site string) (logs string, secrets map[string]string) {
	t.Helper()
	port := testcaddy.FreePort(t)
	base := fmt.Sprintf("http://localhost:%d", port)
	emu := kakaotest.NewServer(kakaotest.Options{RedirectURIs: []string{base + "/.auth/callback"}})
	t.Cleanup(emu.Close)
	up := newUpstream(t)
	cf := fmt.Sprintf("{\n\tadmin 127.0.0.1:%d\n\tpersist_config off\n\tdebug\n%s\n}\n\n%s {\n\tbind 127.0.0.1\n%s\n"+
		"\tkakaogate {\n\t\tclient_id demo-rest-api-key\n\t\tclient_secret demo-client-secret\n\t\tissuer %s\n\t\tapi_url %s\n"+
		"\t\tcookie_secret %s\n\t\tpass_access_token\n\t\tassertion\n\t}\n\treverse_proxy %s\n}\n",
		testcaddy.FreePort(t), global, base, site, emu.URL(), emu.URL(), testSecret, strings.TrimPrefix(up.URL, "http://"))
	in := testcaddy.Start(t, caddyBin, cf, base+"/.auth/healthz")
	jar, _ := cookiejar.New(nil)
	secrets = map[string]string{}
	c := &http.Client{Jar: jar, Timeout: 15 * time.Second, Transport: htmlTransport{},
		CheckRedirect: func(req *http.Request, _ []*http.Request) error {
			if req.URL.Path == "/.auth/callback" {
				secrets["code"], secrets["state"] = req.URL.Query().Get("code"), req.URL.Query().Get("state")
			}
			return nil
		}}
	resp, err := kakaotest.Login(c, base+"/app", 1001)
	if err != nil {
		t.Fatalf("login: %v\n%s", err, in.Logs())
	}
	resp.Body.Close()
	get(t, c, base+"/app")
	u, _ := url.Parse(base)
	for _, ck := range jar.Cookies(u) {
		if ck.Name == "__Host-kakaogate" {
			secrets["session cookie"] = ck.Value
		}
	}
	h := up.last(t).Header
	secrets["access token"], secrets["assertion"] = h.Get("X-Auth-Access-Token"), h.Get("X-Auth-Assertion")
	for name, v := range secrets {
		if len(v) < 8 {
			t.Fatalf("the login's %s is %q: the test cannot look for it", name, v)
		}
	}
	time.Sleep(100 * time.Millisecond) // let Caddy write the last access log line
	return in.Logs(), secrets
}

// TestCase_gw_edge_07_DocLogFiltersRemoveSecrets (through the Caddy binary: the case is Caddy's logging) runs a login with debug logs and an access log,
// first without filters (the code, state, access token and assertion all show up in Caddy's
// output), then with the two filter blocks of docs/deployment.md exactly as
// written (none of them does).
func TestCase_gw_edge_07_DocLogFiltersRemoveSecrets(t *testing.T) {
	logs, secrets := loginSecrets(t, "", "\tlog")
	for name, v := range secrets {
		if name == "session cookie" {
			continue // Caddy writes cookies as REDACTED unless log_credentials is on
		}
		if !strings.Contains(logs, v) {
			t.Errorf("without filters the %s is not in Caddy's output: the test shows nothing", name)
		}
	}
	global := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(docSnippet(t, "default-log-filter")), "{"), "}")
	logs, secrets = loginSecrets(t, global, docSnippet(t, "access-log-filter"))
	for _, want := range []string{`"msg":"handled request"`, `"msg":"upstream roundtrip"`} {
		if !strings.Contains(logs, want) {
			t.Fatalf("the filtered output lacks %s: the logs under test are not written\n%s", want, logs)
		}
	}
	for name, v := range secrets {
		if i := strings.Index(logs, v); i >= 0 {
			t.Errorf("with the documented filters the %s is still in Caddy's output: …%s…", name, logs[max(0, i-700):min(len(logs), i+100)])
		}
	}
}

// TestCase_gw_edge_08_DocMatcherProtectsPathTricks (through the Caddy binary: the case is Caddy's matchers): with the protect-by-default matcher of
// docs/deployment.md, paths an upstream such as Tomcat resolves out of /public/ (;
// parameters, backslashes, encoded or not, dot segments) need a login; the public paths
// stay public.
func TestCase_gw_edge_08_DocMatcherProtectsPathTricks(t *testing.T) {
	e := newEnv(t, envOptions{site: docSnippet(t, "protect-by-default"), matcher: "@protected"})
	send := func(rawPath string) int {
		req, err := http.NewRequest(http.MethodGet, e.base+"/", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.URL.Opaque = rawPath // sent exactly as written
		req.Header.Set("Accept", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, p := range []string{"/public/app.css", "/favicon.ico"} {
		if got := send(p); got != http.StatusOK {
			t.Errorf("public %s: %d, want 200", p, got)
		}
	}
	before := e.up.count()
	for _, p := range []string{
		"/public/..;/admin", "/public/..;jsessionid=1/admin", "/public/..%3B/admin", "/public/%2e%2e;/admin",
		`/public/..\admin`, "/public/..%5Cadmin", "/public/..%5cadmin", "/public/../admin", "/public/%2e%2e/admin",
		"/PUBLIC/..;/admin", "/favicon.ico;/../admin", "/admin",
	} {
		if got := send(p); got != http.StatusUnauthorized {
			t.Errorf("%s: %d, want 401 (a login)", p, got)
		}
	}
	if n := e.up.count() - before; n != 0 {
		t.Errorf("%d path tricks reached the upstream without a login", n)
	}
}

package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kakaogate/kakaogate/internal/testcaddy"
	"github.com/kakaogate/kakaogate/internal/testnginx"
	"github.com/kakaogate/kakaogate/kakaotest"
)

// forwardEnv is kakaogate as the authentication server of a front proxy (nginx or a second
// Caddy) on base: browsers talk to the front only; the front asks kakaogate's verify
// endpoint about each request and proxies <prefix>/ to it.
type forwardEnv struct {
	t        *testing.T
	base     string // the front proxy, http://localhost:<port>
	front    int    // its port
	gate     int    // kakaogate's port (loopback, trusted by its trusted_proxies)
	emulator *kakaotest.Server
	up       *upstream
	caddy    *testcaddy.Instance // kakaogate
}

// newForwardEnv starts the emulator, the upstream and kakaogate for a front on a new port.
func newForwardEnv(t *testing.T) *forwardEnv {
	t.Helper()
	e := &forwardEnv{t: t, front: testcaddy.FreePort(t), gate: testcaddy.FreePort(t)}
	e.base = fmt.Sprintf("http://localhost:%d", e.front)
	e.emulator = kakaotest.NewServer(kakaotest.Options{
		RedirectURIs:       []string{e.base + "/.auth/callback"},
		LogoutRedirectURIs: []string{e.base + "/.auth/logout/callback"},
	})
	t.Cleanup(e.emulator.Close)
	e.up = newUpstream(t)
	caddyfile := fmt.Sprintf(`{
	admin 127.0.0.1:%d
	persist_config off
	servers {
		trusted_proxies static 127.0.0.1/32
	}
}

http://:%d {
	bind 127.0.0.1
	kakaogate {
		client_id demo-rest-api-key
		client_secret demo-client-secret
		issuer %s
		api_url %s
		cookie_secret %s
		session memory
	}
	respond "kakaogate serves only its endpoints here" 404
}
`, testcaddy.FreePort(t), e.gate, e.emulator.URL(), e.emulator.URL(), testSecret)
	e.caddy = testcaddy.Start(t, caddyBin, caddyfile, fmt.Sprintf("http://127.0.0.1:%d/.auth/healthz", e.gate))
	return e
}

// nginxConfig is the documented nginx set-up (docs/forward-auth.md) on port, with kakaogate
// at gate and the app at upstream (host:port).
func nginxConfig(port, gate int, upstream string) string {
	return fmt.Sprintf(`server {
	listen 127.0.0.1:%[1]d;
	server_name localhost;

	location /.auth/ {
		proxy_pass http://127.0.0.1:%[2]d;
		proxy_set_header Host $http_host;
		proxy_set_header X-Forwarded-Proto $scheme;
		proxy_set_header X-Forwarded-Host $http_host;
	}

	location = /.auth/verify {
		internal;
		proxy_pass http://127.0.0.1:%[2]d;
		proxy_pass_request_body off;
		proxy_set_header Content-Length "";
		proxy_set_header Host $http_host;
		proxy_set_header X-Forwarded-Method $request_method;
		proxy_set_header X-Forwarded-Proto $scheme;
		proxy_set_header X-Forwarded-Host $http_host;
		proxy_set_header X-Forwarded-Uri $request_uri;
	}

	location / {
		auth_request /.auth/verify;
		auth_request_set $auth_status $upstream_http_x_auth_status;
		auth_request_set $auth_user_id $upstream_http_x_auth_user_id;
		auth_request_set $auth_nickname $upstream_http_x_auth_nickname;
		auth_request_set $auth_email $upstream_http_x_auth_email;
		auth_request_set $auth_signed_up $upstream_http_x_auth_signed_up;
		proxy_set_header X-Auth-Status $auth_status;
		proxy_set_header X-Auth-User-Id $auth_user_id;
		proxy_set_header X-Auth-Nickname $auth_nickname;
		proxy_set_header X-Auth-Email $auth_email;
		proxy_set_header X-Auth-Signed-Up $auth_signed_up;
		error_page 401 = @login;
		proxy_pass http://%[3]s;
	}

	location @login {
		return 302 /.auth/login?rd=$request_uri;
	}
}`, port, gate, upstream)
}

// frontCaddyfile is the documented Caddy forward_auth set-up (redirect form) on port.
func frontCaddyfile(admin, port, gate int, upstream string) string {
	return fmt.Sprintf(`{
	admin 127.0.0.1:%d
	persist_config off
}

http://localhost:%d {
	bind 127.0.0.1
	handle /.auth/verify {
		respond 404
	}
	handle /.auth/* {
		reverse_proxy 127.0.0.1:%d {
			header_up -X-Forwarded-Method
			header_up -X-Forwarded-Uri
			header_up -X-Original-URL
		}
	}
	handle {
		route {
			# In this order: drop every client-sent X-Auth-* header, then copy verify's.
			request_header -X-Auth-*
			forward_auth 127.0.0.1:%[3]d {
				uri /.auth/verify?redirect=1
				copy_headers X-Auth-Status X-Auth-User-Id X-Auth-Nickname X-Auth-Email X-Auth-Signed-Up
			}
			reverse_proxy %s
		}
	}
}
`, admin, port, gate, upstream)
}

// TestForwardAuthNginx: a full login through nginx auth_request, identity headers set by
// nginx from verify's answer and never from the client (also for a user without an email),
// logout, and the signed-out marker respected on nginx's way to the login.
func TestForwardAuthNginx(t *testing.T) {
	e := newForwardEnv(t)
	testnginx.Start(t, e.front, nginxConfig(e.front, e.gate, strings.TrimPrefix(e.up.URL, "http://")))
	e.journey(t)
}

// TestForwardAuthCaddy: the same journey with a second Caddy in front, using forward_auth
// with the redirect form (?redirect=1); a client's own X-Forwarded-* headers never reach verify.
func TestForwardAuthCaddy(t *testing.T) {
	e := newForwardEnv(t)
	testcaddy.Start(t, caddyBin, frontCaddyfile(testcaddy.FreePort(t), e.front, e.gate, strings.TrimPrefix(e.up.URL, "http://")), e.base+"/.auth/healthz")
	e.journey(t)
	e.forgedForwardedHeadersHaveNoEffect(t)
}

// forgedForwardedHeadersHaveNoEffect sends, through the front, requests carrying a client's
// own X-Forwarded-Uri and -Method (which kakaogate would believe from the trusted front): one
// straight to verify, which the front does not serve to clients, and one to a protected page,
// whose login redirect names the page really asked for.
func (e *forwardEnv) forgedForwardedHeadersHaveNoEffect(t *testing.T) {
	t.Helper()
	forged := []string{"X-Forwarded-Uri: /forged?x=1", "X-Forwarded-Method: GET", "X-Original-URL: /forged?x=1"}
	signedIn := browserClient()
	e.login(t, signedIn, 1001)
	for name, c := range map[string]*http.Client{"anonymous": browserClient(), "signed in": signedIn} {
		resp, body := get(t, noRedirects(c), e.base+"/.auth/verify?redirect=1", forged...)
		if resp.StatusCode != http.StatusNotFound || resp.Header.Get("Location") != "" ||
			resp.Header.Get("X-Auth-Status") != "" || resp.Header.Get("X-Auth-User-Id") != "" {
			t.Fatalf("%s client at the front's /.auth/verify with forged X-Forwarded-Uri: %d to %q, X-Auth-Status %q: want 404, not verify's answer\n%s",
				name, resp.StatusCode, resp.Header.Get("Location"), resp.Header.Get("X-Auth-Status"), body)
		}
	}
	resp, _ := get(t, noRedirects(browserClient()), e.base+"/private/real?a=1", forged...)
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || loc.Query().Get("rd") != "/private/real?a=1" {
		t.Fatalf("protected page with forged X-Forwarded-Uri: %d to %q, want the login for /private/real?a=1", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// login logs userID in through the front with c.
func (e *forwardEnv) login(t *testing.T, c *http.Client, userID int64) {
	t.Helper()
	final, err := kakaotest.Login(c, e.base+"/private/page", userID)
	if err != nil {
		t.Fatalf("login as %d through the front: %v\n--- kakaogate log ---\n%s", userID, err, e.caddy.Logs())
	}
	final.Body.Close()
	if final.StatusCode != http.StatusOK {
		t.Fatalf("login as %d through the front ended on %d at %s", userID, final.StatusCode, final.Request.URL)
	}
}

// journey logs two people in through the front (1002 has no email), checks what the
// upstream saw, logs out and checks the person is shown the login page.
func (e *forwardEnv) journey(t *testing.T) {
	forged := []string{"X-Auth-User-Id: 666", "X-Auth-Email: forged@example.com", "X-Auth-Nickname: forged", "X-Auth-Status: authenticated", "X-Auth-Signed-Up: true"}

	anonymous := noRedirects(browserClient())
	resp, _ := get(t, anonymous, e.base+"/private/page?a=1&b=2", forged...)
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") == "" || e.up.count() != 0 {
		t.Fatalf("anonymous page: %d to %q, upstream saw %d requests; want a redirect to the login and none", resp.StatusCode, resp.Header.Get("Location"), e.up.count())
	}

	for _, tc := range []struct {
		user  int64
		email bool
	}{{1001, true}, {1002, false}} {
		c := browserClient()
		final, err := kakaotest.Login(c, e.base+"/private/page?a=1&b=2", tc.user)
		if err != nil {
			t.Fatalf("login as %d through the front: %v\n--- kakaogate log ---\n%s", tc.user, err, e.caddy.Logs())
		}
		final.Body.Close()
		if final.StatusCode != http.StatusOK || final.Request.URL.RequestURI() != "/private/page?a=1&b=2" {
			t.Fatalf("login as %d ended on %d %s, want the original page", tc.user, final.StatusCode, final.Request.URL)
		}
		resp, body := get(t, c, e.base+"/private/again", forged...)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("signed-in page as %d: %d", tc.user, resp.StatusCode)
		}
		seen := http.Header{}
		if err := json.Unmarshal([]byte(body), &seen); err != nil {
			t.Fatalf("upstream answer: %v\n%s", err, body)
		}
		if seen.Get("X-Auth-User-Id") != fmt.Sprint(tc.user) || seen.Get("X-Auth-Status") != "authenticated" ||
			seen.Get("X-Auth-Nickname") == "forged" || seen.Get("X-Auth-Nickname") == "" {
			t.Fatalf("upstream saw identity %v as %d", seen, tc.user)
		}
		if got := seen.Values("X-Auth-Signed-Up"); len(got) != 0 {
			t.Fatalf("upstream saw a client's X-Auth-Signed-Up %q as %d", got, tc.user)
		}
		if email := seen.Values("X-Auth-Email"); tc.email != (len(email) == 1 && email[0] != "" && email[0] != "forged@example.com") || (!tc.email && len(email) != 0) {
			t.Fatalf("upstream saw X-Auth-Email %q as %d", email, tc.user)
		}
		if tc.user == 1001 {
			e.logoutStaysLoggedOut(t, c)
		}
	}
}

// logoutStaysLoggedOut logs c out through the front and checks that the next protected page
// leads to the login page, not to Kakao, though the Kakao Account session is alive.
func (e *forwardEnv) logoutStaysLoggedOut(t *testing.T, c *http.Client) {
	t.Helper()
	resp := submitPage(t, noRedirects(c), e.base+"/.auth/logout", "confirm", "yes")
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("logout through the front: %d", resp.StatusCode)
	}
	before := e.up.count()
	page, _ := get(t, noRedirects(c), e.base+"/private/after")
	loc, err := url.Parse(page.Header.Get("Location"))
	if page.StatusCode != http.StatusFound || err != nil || loc.Path != "/.auth/login" {
		t.Fatalf("page after logout: %d to %q, want a redirect to /.auth/login", page.StatusCode, page.Header.Get("Location"))
	}
	login, body := get(t, noRedirects(c), e.resolve(t, page.Header.Get("Location")))
	if login.StatusCode != http.StatusUnauthorized || login.Header.Get("Location") != "" || !strings.Contains(body, "resume=") {
		t.Fatalf("login after logout: %d to %q, want the login page with its button", login.StatusCode, login.Header.Get("Location"))
	}
	if e.up.count() != before {
		t.Fatal("a request reached the upstream after the logout")
	}
}

// browserClient is a cookie-keeping client that navigates like a browser.
func browserClient() *http.Client { return (&env{}).browser() }

// resolve turns a Location (nginx makes them absolute) into a URL on the front.
func (e *forwardEnv) resolve(t *testing.T, location string) string {
	t.Helper()
	base, _ := url.Parse(e.base)
	loc, err := url.Parse(location)
	if err != nil {
		t.Fatalf("Location %q: %v", location, err)
	}
	return base.ResolveReference(loc).String()
}

// TestVerifyBelievesOnlyCaddyTrustedProxies: the forwarded URI decides the return path only
// when Caddy's trusted_proxies trusts the peer; otherwise it is ignored.
func TestVerifyBelievesOnlyCaddyTrustedProxies(t *testing.T) {
	trusting := newForwardEnv(t)
	plain := newEnv(t, envOptions{})
	for _, tc := range []struct {
		name, verify, want string
	}{
		{"trusted_proxies trusts loopback", fmt.Sprintf("http://localhost:%d/.auth/verify?redirect=1", trusting.gate), "/.auth/login?rd=%2Fdocs%3Fa%3D1"},
		{"no trusted_proxies", plain.base + "/.auth/verify?redirect=1", "/.auth/login?rd=%2F"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, _ := get(t, noRedirects(browserClient()), tc.verify, "X-Forwarded-Method: GET", "X-Forwarded-Uri: /docs?a=1", "X-Forwarded-Host: localhost")
			if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != tc.want {
				t.Fatalf("verify: %d to %q, want 302 to %q", resp.StatusCode, resp.Header.Get("Location"), tc.want)
			}
		})
	}
}

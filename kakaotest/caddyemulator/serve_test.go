package caddyemulator

import (
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"

	"github.com/kakaogate/kakaogate/internal/testcaddy"
	"github.com/kakaogate/kakaogate/kakaotest"
)

// loadCaddyfile adapts and (re)loads a Caddyfile into the running Caddy.
func loadCaddyfile(t *testing.T, cf string) {
	t.Helper()
	cfg, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(cf), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := caddy.Load(cfg, true); err != nil {
		t.Fatal(err)
	}
}

// callbackCode returns the code of a redirect to the app, failing otherwise.
func callbackCode(t *testing.T, resp *http.Response) string {
	t.Helper()
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound || loc.Host != "app.test" || loc.Query().Get("code") == "" {
		t.Fatalf("want a redirect to the app with a code, got %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc.Query().Get("code")
}

func TestServesThroughCaddyAndKeepsSessionsAcrossReload(t *testing.T) {
	port := testcaddy.FreePort(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	cf := fmt.Sprintf(`{
		admin off
		persist_config off
		auto_https off
		storage file_system %s
	}
	%s {
		bind 127.0.0.1
		kakao_emulator {
			issuer %s
			redirect_uri http://app.test/callback
		}
	}`, t.TempDir(), base, base)
	loadCaddyfile(t, cf)
	t.Cleanup(func() {
		if err := caddy.Stop(); err != nil {
			t.Error(err)
		}
	})

	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(r *http.Request, _ []*http.Request) error {
			if r.URL.Host == "app.test" {
				return http.ErrUseLastResponse
			}
			return nil
		}}
	authorize := base + "/oauth/authorize?" + url.Values{
		"client_id": {kakaotest.DefaultClientID}, "redirect_uri": {"http://app.test/callback"}, "response_type": {"code"},
	}.Encode()
	resp, err := kakaotest.Login(client, authorize, 1001)
	if err != nil {
		t.Fatal(err)
	}
	code := callbackCode(t, resp)
	tok, err := http.PostForm(base+"/oauth/token", url.Values{
		"grant_type": {"authorization_code"}, "client_id": {kakaotest.DefaultClientID},
		"client_secret": {kakaotest.DefaultClientSecret}, "redirect_uri": {"http://app.test/callback"}, "code": {code},
	})
	if err != nil {
		t.Fatal(err)
	}
	tok.Body.Close()
	if tok.StatusCode != http.StatusOK || !strings.HasPrefix(tok.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("token endpoint through Caddy: %d %s", tok.StatusCode, tok.Header.Get("Content-Type"))
	}

	// Reloading the same config keeps the Kakao Account session and the
	// link: the next authorize answers with a code at once.
	loadCaddyfile(t, cf)
	// The old server closes its keep-alive connections while shutting down;
	// state lives in the pool, not in connections, so start afresh.
	// A connection accepted in the moment of the switch-over may still be reset by the old
	// server, so a transport error is retried a few times (bounded); an HTTP answer is not.
	client.CloseIdleConnections()
	for attempt := 1; ; attempt++ {
		resp, err = client.Get(authorize)
		if err == nil {
			break
		}
		if attempt == 5 {
			t.Fatalf("after the reload: %v", err)
		}
		client.CloseIdleConnections()
		time.Sleep(100 * time.Millisecond)
	}
	callbackCode(t, resp)
}

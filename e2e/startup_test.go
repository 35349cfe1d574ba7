package e2e

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/internal/testcaddy"
	"github.com/kakaogate/kakaogate/kakaotest"
)

// TestValidateWorksWithTheIdPDown: provisioning does no network I/O, so `caddy validate`
// accepts a correct configuration whose issuer is unreachable.
func TestValidateWorksWithTheIdPDown(t *testing.T) {
	closed := testcaddy.FreePort(t)
	cf := testcaddy.WriteFile(t, "Caddyfile", fmt.Sprintf(`
http://localhost:8080 {
	kakaogate {
		client_id id
		issuer http://127.0.0.1:%d
		api_url http://127.0.0.1:%d
		cookie_secret %s
		session redis redis://127.0.0.1:%d/0
	}
	respond "ok"
}`, closed, closed, testSecret, closed))
	out, err := testcaddy.Run(caddyBin, "validate", "--config", cf, "--adapter", "caddyfile")
	if err != nil {
		t.Fatalf("caddy validate failed with the IdP and Redis down: %v\n%s", err, out)
	}
}

// TestConfigMistakesFailValidateWithAFix: each mistake names the option and how to fix it.
func TestConfigMistakesFailValidateWithAFix(t *testing.T) {
	tests := []struct{ name, block, want string }{
		{"short cookie secret", "client_id id\ncookie_secret short", "cookie_secret #1 must be at least 32 bytes, not 5"},
		{"missing client id", "cookie_secret " + testSecret, "client_id is required"},
		{"plain http issuer", "client_id id\ncookie_secret " + testSecret + "\nissuer http://idp.example.com", "use https (plain http is allowed only for localhost"},
		{"scopes without openid", "client_id id\ncookie_secret " + testSecret + "\nscopes profile_nickname", "scopes must include openid"},
		{"unknown option", "client_id id\ncolour blue", `unknown kakaogate option \"colour\"`},
		{"plain http redirect url", "client_id id\ncookie_secret " + testSecret + "\nredirect_url http://app.example.com/.auth/callback", `redirect_url \"http://app.example.com/.auth/callback\": use https`},
		{"env secret unset", "client_id id\ncookie_secret {env.KAKAOGATE_E2E_UNSET_SECRET}", "is its environment variable set?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cf := testcaddy.WriteFile(t, "Caddyfile", "http://localhost:8080 {\n\tkakaogate {\n"+tt.block+"\n\t}\n\trespond ok\n}")
			out, err := testcaddy.Run(caddyBin, "validate", "--config", cf, "--adapter", "caddyfile")
			if err == nil || !strings.Contains(out, tt.want) {
				t.Fatalf("validate: err=%v, want output containing %q:\n%s", err, tt.want, out)
			}
			if strings.Contains(out, "panic") {
				t.Fatalf("validate panicked:\n%s", out)
			}
		})
	}
}

// TestGatewayServesWhileIdPDownAndRecovers starts Caddy before the identity provider exists:
// it serves (503 page for a login, 401 for APIs) and login works once the IdP is up, without
// a reload.
func TestGatewayServesWhileIdPDownAndRecovers(t *testing.T) {
	idpPort, gwPort := testcaddy.FreePort(t), testcaddy.FreePort(t)
	issuer := fmt.Sprintf("http://127.0.0.1:%d", idpPort)
	base := fmt.Sprintf("http://localhost:%d", gwPort)
	up := newUpstream(t)
	cf := fmt.Sprintf(`{
	admin 127.0.0.1:%d
	persist_config off
}
http://localhost:%d {
	bind 127.0.0.1
	kakaogate {
		client_id demo-rest-api-key
		client_secret demo-client-secret
		issuer %s
		api_url %s
		cookie_secret %s
	}
	reverse_proxy %s
}`, testcaddy.FreePort(t), gwPort, issuer, issuer, testSecret, strings.TrimPrefix(up.URL, "http://"))
	caddy := testcaddy.Start(t, caddyBin, cf, base+"/.auth/me")
	e := &env{t: t, base: base, caddy: caddy, up: up}

	c := e.browser()
	resp, body := get(t, noRedirects(c), base+"/")
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "cannot be reached") || !strings.Contains(body, "Request ID") {
		t.Fatalf("login with the IdP down: %d\n%s", resp.StatusCode, body)
	}
	resp, _ = get(t, c, base+"/api", "Accept: application/json")
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("API with the IdP down: %d, want 401", resp.StatusCode)
	}

	emu, err := kakaotest.New(kakaotest.Options{
		Issuer:       issuer,
		RedirectURIs: []string{base + "/.auth/callback"},
	})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", idpPort))
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: emu}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close(); emu.Close() })

	// Discovery is retried with backoff; within a few seconds a login goes through.
	deadline := time.Now().Add(15 * time.Second)
	for {
		r, err := kakaotest.Login(c, base+"/", 1001)
		if err == nil && r.StatusCode == http.StatusOK {
			r.Body.Close()
			break
		}
		if r != nil {
			r.Body.Close()
		}
		if time.Now().After(deadline) {
			t.Fatalf("login did not recover after the IdP came up: %v\n%s", err, caddy.Logs())
		}
		time.Sleep(300 * time.Millisecond)
	}
	if up.last(t).Header.Get("X-Auth-User-Id") != "1001" {
		t.Fatal("after recovery the upstream did not get the identity")
	}
}

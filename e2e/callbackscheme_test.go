package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kakaogate/kakaogate/internal/testcaddy"
)

// TestPlainHTTPCallbackFailsValidate: a site whose callback URL browsers would use is plain
// http on a host other than this machine, without insecure_cookies, fails `caddy validate`
// naming redirect_url and the fix; every login there would end on a "link expired" page.
// The gateway builds the callback's scheme from the connection only, so trusted_proxies does
// not save such a site. Sites served over https (automatic HTTPS), with an https redirect_url,
// on this machine, without a host name or with insecure_cookies stay valid.
func TestPlainHTTPCallbackFailsValidate(t *testing.T) {
	const gate = "client_id id\n\t\tcookie_secret " + testSecret
	const refused = "site app.example.com: the callback URL would be plain http on app.example.com: " +
		"set redirect_url to the https URL browsers use"
	tests := []struct{ name, global, site, more, want string }{
		{"an http:// site", "", "http://app.example.com", "", refused},
		{"an http:// site behind trusted proxies", "servers {\n\t\ttrusted_proxies static private_ranges\n\t}",
			"http://app.example.com", "", refused},
		{"an automatic-HTTPS site", "", "app.example.com", "", ""},
		{"an https redirect_url", "", "http://app.example.com", "redirect_url https://app.example.com/.auth/callback", ""},
		{"insecure_cookies", "", "http://app.example.com", "insecure_cookies", ""},
		{"localhost", "", "http://localhost", "", ""},
		{"127.0.0.1", "", "http://127.0.0.1", "", ""},
		{"::1", "", "http://[::1]", "", ""},
		{"no host", "", ":8080", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cf := testcaddy.WriteFile(t, "Caddyfile", fmt.Sprintf("{\n\t%s\n}\n%s {\n\tkakaogate {\n\t\t%s\n\t\t%s\n\t}\n\trespond ok\n}",
				tt.global, tt.site, gate, tt.more))
			out, err := testcaddy.Run(caddyBin, "validate", "--config", cf, "--adapter", "caddyfile")
			if tt.want == "" {
				if err != nil {
					t.Fatalf("validate refused it: %v\n%s", err, out)
				}
				return
			}
			if err == nil || !strings.Contains(out, tt.want) {
				t.Fatalf("validate: err=%v, want output containing %q:\n%s", err, tt.want, out)
			}
		})
	}
}

// TestInsecureCookiesWarnAtStartUp: insecure_cookies on a site named by a host other than
// this machine is logged once at start-up, without redirect_url; on a localhost site it is
// not.
func TestInsecureCookiesWarnAtStartUp(t *testing.T) {
	remote, local := testcaddy.FreePort(t), testcaddy.FreePort(t)
	gate := "kakaogate {\n\t\tclient_id id\n\t\tcookie_secret " + testSecret + "\n\t\tinsecure_cookies\n\t}"
	cf := fmt.Sprintf("{\n\tadmin 127.0.0.1:%d\n\tpersist_config off\n}\n"+
		"http://app.example.com:%d {\n\tbind 127.0.0.1\n\t%s\n\trespond ok\n}\n"+
		"http://localhost:%d {\n\tbind 127.0.0.1\n\t%s\n\trespond ok\n}\n", testcaddy.FreePort(t), remote, gate, local, gate)
	caddy := testcaddy.Start(t, caddyBin, cf, fmt.Sprintf("http://localhost:%d/", local))
	logs := caddy.Logs()
	if n := strings.Count(logs, "insecure_cookies is on for"); n != 1 || !strings.Contains(logs, "insecure_cookies is on for app.example.com, not localhost") {
		t.Fatalf("want one insecure_cookies warning, for app.example.com (%d):\n%s", n, logs)
	}
}

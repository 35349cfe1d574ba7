package caddymodule

import (
	"strings"
	"testing"
)

// TestPlainHTTPCallbackIsRefusedAtProvision: without redirect_url, a server without TLS
// whose site names a host other than this machine is refused when it is provisioned, naming
// the site, the host and redirect_url; the host is read from the innermost route with host
// matchers, and sites the check cannot judge are left to the login's own check.
func TestPlainHTTPCallbackIsRefusedAtProvision(t *testing.T) {
	const tls = `"tls_connection_policies":[{}],`
	tests := []struct {
		name, fields string
		routes       []string
		want         string // in the error; "" for a configuration that loads
	}{
		{"a host, no TLS", "", []string{siteRoute("a.example", route("", kg("")))},
			"site a.example: the callback URL would be plain http on a.example: set redirect_url"},
		{"a host in a nested route", "", []string{route("", sub(route(`"match":[{"host":["b.example"]}],`, kg(""))))},
			"server srv0 (127.0.0.1:1): the callback URL would be plain http on b.example"},
		{"with TLS", tls, []string{siteRoute("a.example", route("", kg("")))}, ""},
		{"an https redirect_url", "", []string{siteRoute("a.example", route("", kg(`,"redirect_url":"https://a.example/.auth/callback"`)))}, ""},
		{"insecure_cookies", "", []string{siteRoute("a.example", route("", kg(`,"insecure_cookies":true`)))}, ""},
		{"loopback hosts", "", []string{siteRoute("localhost", route("", kg(""))), siteRoute("127.0.0.1", route("", kg(""))),
			siteRoute("::1", route("", kg("")))}, ""},
		{"no host", "", []string{route("", kg(""))}, ""},
		{"a placeholder host", "", []string{siteRoute("{env.KAKAOGATE_TEST_HOST}", route("", kg("")))}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := validateServerWith(t, tt.fields, tt.routes, nil)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

package caddymodule

import (
	"strings"
	"testing"
)

// TestCaddyfileCookieDomain: cookie_domain takes one domain, in the directive and in the
// global block, and lands in the handler's JSON.
func TestCaddyfileCookieDomain(t *testing.T) {
	for _, src := range []string{
		"example.com {\n\tkakaogate {\n\t\tclient_id k\n\t\tcookie_secret " + strings.Repeat("s", 32) + "\n\t\tcookie_domain example.com\n\t}\n}\n",
		"{\n\tkakaogate {\n\t\tcookie_domain example.com\n\t}\n}\nexample.com {\n\tkakaogate {\n\t\tclient_id k\n\t\tcookie_secret " + strings.Repeat("s", 32) + "\n\t}\n}\n",
	} {
		out, err := adapt(t, src)
		if err != nil {
			t.Fatalf("adapt: %v", err)
		}
		if !strings.Contains(out, `"cookie_domain": "example.com"`) {
			t.Fatalf("cookie_domain missing from the JSON:\n%s", out)
		}
	}
	if _, err := adapt(t, "example.com {\n\tkakaogate {\n\t\tcookie_domain a.example b.example\n\t}\n}\n"); err == nil || !strings.Contains(err.Error(), "cookie_domain takes one value") {
		t.Fatalf("two domains: %v, want an error", err)
	}
}

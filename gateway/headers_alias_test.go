package gateway

import (
	"net/http"
	"testing"

	"github.com/kakaogate/kakaogate/config"
)

// TestInjectedHeadersDoNotShareStorage: the injected values share one array, yet a later
// handler appending to or rewriting one header (Caddy's header_up does both) must never
// change another.
func TestInjectedHeadersDoNotShareStorage(t *testing.T) {
	ih := newIdentityHeaders(config.DefaultHeaders())
	h := http.Header{}
	ih.inject(h, map[string]string{"id": "1001", "nickname": "Ryan", "email": "ryan@example.com"})
	h["X-Auth-User-Id"] = append(h["X-Auth-User-Id"], "appended")
	h["X-Auth-Email"][0] = "rewritten@example.com"
	want := map[string][]string{
		"X-Auth-User-Id":  {"1001", "appended"},
		"X-Auth-Nickname": {"Ryan"},
		"X-Auth-Email":    {"rewritten@example.com"},
	}
	for name, v := range want {
		if got := h[name]; len(got) != len(v) || got[0] != v[0] || (len(v) > 1 && got[1] != v[1]) {
			t.Errorf("%s = %q, want %q", name, got, v)
		}
	}
}

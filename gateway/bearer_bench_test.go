package gateway

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/kakaotest"
)

// BenchmarkServeHTTPBearerCached is the hot path of a native app's request whose token the
// gateway has checked before: bearer parsing, the cache (SHA-256 of the token, a map read),
// header stripping and injection. Kakao (the emulator) is not called in the loop.
func BenchmarkServeHTTPBearerCached(b *testing.B) {
	h := newHarness(b, harnessOptions{
		emulator:  func(o *kakaotest.Options) { o.Apps = []kakaotest.App{nativeApp} },
		configure: func(c *config.Config) { c.Bearer, c.AppID = &config.BearerOptions{}, kakaotest.DefaultAppID },
	})
	tok, err := kakaotest.AppLogin(h.kakao.URL(), nativeApp, 1001)
	if err != nil {
		b.Fatal(err)
	}
	tmpl := httptest.NewRequest(http.MethodGet, "http://localhost/api/orders", nil)
	tmpl.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	tmpl.Header.Set("Accept", "application/json")
	next := func(_ http.ResponseWriter, r *http.Request) error {
		if r.Header["X-Auth-User-Id"] == nil {
			b.Fatal("no identity upstream")
		}
		return nil
	}
	w := httptest.NewRecorder()
	serve := func() {
		r := tmpl.Clone(tmpl.Context())
		if err := h.gw.ServeHTTP(w, r, next); err != nil {
			b.Fatal(err)
		}
	}
	serve() // fills the cache
	calls := h.kakao.TokenInfoCalls()
	b.ReportAllocs()
	for b.Loop() {
		serve()
	}
	if h.kakao.TokenInfoCalls() != calls {
		b.Fatal("the loop asked Kakao: the token was not served from the cache")
	}
}

package caddymodule

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/kakaogate/kakaogate/session"
)

// BenchmarkHandlerServeHTTP is an authenticated request through the Caddy module as Caddy
// runs it: a request prepared by caddyhttp (replacer, vars), kakaogate with the memory store,
// and a next handler that reads {http.auth.user.id} the way the access log does. "caddy
// request set-up" is the cost of the preparation alone, to subtract.
func BenchmarkHandlerServeHTTP(b *testing.B) {
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	b.Cleanup(cancel)
	h := validHandler()
	if err := h.Provision(ctx); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = h.Cleanup() })
	tmpl := httptest.NewRequest(http.MethodGet, "https://app.example.com/dashboard", nil)
	tmpl.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0")
	tmpl.Header.Set("Accept", "text/html,application/xhtml+xml")
	tmpl.Header.Set("Accept-Language", "ko-KR,ko;q=0.9")
	tmpl.Header.Set("Cookie", "_ga=GA1.1.1.1; "+sessionCookie(b, h))
	next := caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		repl := r.Context().Value(caddy.ReplacerCtxKey).(*caddy.Replacer)
		if id, _ := repl.GetString("http.auth.user.id"); id != "4124893521" {
			b.Fatalf("user id placeholder %q", id)
		}
		return nil
	})
	w := httptest.NewRecorder()
	prepare := func() *http.Request {
		r := *tmpl
		r.Header = tmpl.Header.Clone()
		return caddyhttp.PrepareRequest(&r, caddy.NewReplacer(), w, nil)
	}
	b.Run("caddy request set-up", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := next.ServeHTTP(w, prepareWithID(prepare())); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("kakaogate memory store", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			reached := false
			err := h.ServeHTTP(w, prepare(), caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
				reached = true
				return next.ServeHTTP(w, r)
			}))
			if err != nil || !reached {
				// An authenticated request that never reaches the upstream measures a refusal.
				b.Fatalf("the request did not reach the upstream (err %v): %d %s", err, w.Code, w.Body)
			}
		}
	})
}

// prepareWithID sets the placeholder the baseline's next handler checks.
func prepareWithID(r *http.Request) *http.Request {
	r.Context().Value(caddy.ReplacerCtxKey).(*caddy.Replacer).Set("http.auth.user.id", "4124893521")
	return r
}

// sessionCookie logs a Kakao user with a full claim set in through h's store and returns
// the session cookie ("name=value") the gateway would have set.
func sessionCookie(b *testing.B, h *Handler) string {
	b.Helper()
	var m *session.Manager
	storePool.Range(func(k, v any) bool {
		if k == h.storeKey {
			m = v.(*pooledStore).sessions
		}
		return m == nil
	})
	t, err := m.Create(context.Background(), &session.Session{
		UserID: "4124893521",
		Issuer: h.Issuer, // a session of an issuer the handler does not have is refused
		Claims: map[string]string{
			"id": "4124893521", "sub": "4124893521", "nickname": "라이언", "email": "ryan@example.com",
			"email_verified": "true", "picture": "http://k.kakaocdn.net/dn/x/img_110x110.jpg",
			"profile_image": "http://k.kakaocdn.net/dn/x/img_640x640.jpg", "age_range": "20~29",
			"gender": "female", "profile_nickname_needs_agreement": "false", "email_needs_agreement": "false",
		},
		Scopes:      []string{"openid", "profile_nickname", "account_email"},
		AccessToken: "access-token", AccessExpiry: time.Now().Add(6 * time.Hour),
	})
	if err != nil {
		b.Fatal(err)
	}
	raw, err := t.MarshalBinary()
	if err != nil {
		b.Fatal(err)
	}
	// The gateway's session cookie: purpose "session", Secure name with the __Host- prefix.
	codec, err := session.NewCookieCodec([][]byte{[]byte(testSecret)}, "session", 24*time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	v, err := codec.Encode("__Host-kakaogate", raw)
	if err != nil {
		b.Fatal(err)
	}
	return "__Host-kakaogate=" + v
}

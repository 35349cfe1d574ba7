package gateway

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/internal/redistest"
	"github.com/kakaogate/kakaogate/oidc"
	"github.com/kakaogate/kakaogate/session"

	"github.com/redis/go-redis/v9"
)

// benchClaims are a Kakao user with every item agreed, as /v2/user/me and the ID token give
// them: what an authenticated request carries.
var benchClaims = map[string]string{
	"id": "4124893521", "sub": "4124893521", "nickname": "라이언", "name": "Ryan Kim",
	"picture":       "http://k.kakaocdn.net/dn/bench/img_110x110.jpg",
	"profile_image": "http://k.kakaocdn.net/dn/bench/img_640x640.jpg",
	"email":         "ryan@example.com", "email_verified": "true", "age_range": "20~29",
	"gender": "female", "birthyear": "1998", "birthday": "0101", "phone_number": "+82 10-1234-5678",
	"profile_nickname_needs_agreement": "false", "profile_image_needs_agreement": "false",
	"email_needs_agreement": "false", "age_range_needs_agreement": "false", "gender_needs_agreement": "false",
}

// benchGateway is a Gateway over store with one logged-in session, and a template request
// carrying that session's cookie and a browser's usual headers.
type benchGateway struct {
	gw  *Gateway
	req *http.Request
}

func newBenchGateway(b *testing.B, store session.Store, onIdentity func(*http.Request, map[string]string)) *benchGateway {
	b.Helper()
	return newBenchGatewayWith(b, store, onIdentity, session.ManagerOptions{})
}

// newBenchGatewayWith is newBenchGateway with a Manager built from opts.
func newBenchGatewayWith(b *testing.B, store session.Store, onIdentity func(*http.Request, map[string]string), opts session.ManagerOptions) *benchGateway {
	b.Helper()
	cfg := &config.Config{
		ClientID: "bench-rest-api-key", ClientSecret: "bench-secret", CookieSecrets: []string{testCookieSecret},
		Issuer: "http://127.0.0.1:9", APIURL: "http://127.0.0.1:9", // never called on this path
	}
	cfg.SetDefaults()
	if err := cfg.Validate(); err != nil {
		b.Fatal(err)
	}
	provider, err := oidc.NewProvider(oidc.ProviderOptions{Issuer: cfg.Issuer})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(provider.Close)
	sessions, err := session.NewManager(store, opts)
	if err != nil {
		b.Fatal(err)
	}
	gw, err := New(Options{
		Config: cfg, RP: &oidc.Client{Provider: provider, ClientID: cfg.ClientID}, Sessions: sessions,
		Locker: session.NewMemoryLocker(nil), OnIdentity: onIdentity,
		RequestID: func(*http.Request) string { return "bench" },
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(gw.Close)
	s := &session.Session{
		UserID: benchClaims["id"], Issuer: cfg.Issuer, Claims: benchClaims,
		Scopes:       []string{"openid", "profile_nickname", "profile_image", "account_email", "age_range", "gender"},
		IDToken:      string(make([]byte, 900)),
		AccessToken:  "access-token-0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghij",
		RefreshToken: "refresh-token-0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghi",
		AccessExpiry: time.Now().Add(6 * time.Hour), RefreshExpiry: time.Now().Add(60 * 24 * time.Hour),
	}
	ticket, err := sessions.Create(context.Background(), s)
	if err != nil {
		b.Fatal(err)
	}
	rec := httptest.NewRecorder()
	if err := gw.setSessionCookie(rec, ticket); err != nil {
		b.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, "https://app.example.com/dashboard?tab=1", nil)
	req.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0 Safari/537.36")
	req.Header.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
	req.Header.Set("Accept-Language", "ko-KR,ko;q=0.9,en;q=0.8")
	req.Header.Set("Accept-Encoding", "gzip, deflate, br")
	c := rec.Result().Cookies()[0]
	req.Header.Set("Cookie", "_ga=GA1.1.123456789.1700000000; "+c.Name+"="+c.Value+"; theme=dark")
	return &benchGateway{gw: gw, req: req}
}

// request returns a fresh copy of the template request (the gateway edits headers).
func (bg *benchGateway) request() *http.Request {
	r := *bg.req
	r.Header = bg.req.Header.Clone()
	return &r
}

// serve runs one authenticated request through the gateway to an upstream that only checks
// that the identity arrived.
func (bg *benchGateway) serve(b *testing.B, w http.ResponseWriter) {
	err := bg.gw.ServeHTTP(w, bg.request(), func(_ http.ResponseWriter, r *http.Request) error {
		if r.Header["X-Auth-User-Id"] == nil {
			b.Fatal("no identity upstream")
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkServeHTTPAuthenticated is the whole hot path of an authenticated request: cookie,
// session load, header stripping and injection. "request copy" is the benchmark's own cost
// of preparing each request, to subtract from the others.
func BenchmarkServeHTTPAuthenticated(b *testing.B) {
	b.Run("request copy", func(b *testing.B) {
		bg := newBenchGateway(b, session.NewMemoryStore(session.MemoryOptions{}), nil)
		b.ReportAllocs()
		for b.Loop() {
			_ = bg.request()
		}
	})
	w := httptest.NewRecorder()
	b.Run("memory", func(b *testing.B) {
		bg := newBenchGateway(b, session.NewMemoryStore(session.MemoryOptions{}), nil)
		b.ReportAllocs()
		for b.Loop() {
			bg.serve(b, w)
		}
	})
	b.Run("redis/no cache", func(b *testing.B) {
		client := benchRedis(b)
		bg := newBenchGateway(b, session.NewRedisStore(client, session.RedisOptions{}), nil)
		b.ReportAllocs()
		for b.Loop() {
			bg.serve(b, w)
		}
	})
	b.Run("redis/cache", func(b *testing.B) {
		client := benchRedis(b)
		store := session.NewRedisStore(client, session.RedisOptions{Cache: session.RedisCacheOptions{Size: 100}})
		b.Cleanup(store.Close)
		bg := newBenchGateway(b, store, nil)
		waitCacheServing(b, store)
		b.ReportAllocs()
		for b.Loop() {
			bg.serve(b, w)
		}
	})
	// With idle_timeout 30m: a use is recorded at most once a minute, so these measure the
	// check that it is not due (one map read), not the store write.
	idle := session.ManagerOptions{IdleTimeout: 30 * time.Minute}
	b.Run("memory/idle timeout", func(b *testing.B) {
		bg := newBenchGatewayWith(b, session.NewMemoryStore(session.MemoryOptions{}), nil, idle)
		b.ReportAllocs()
		for b.Loop() {
			bg.serve(b, w)
		}
	})
	b.Run("redis/cache/idle timeout", func(b *testing.B) {
		client := benchRedis(b)
		store := session.NewRedisStore(client, session.RedisOptions{Cache: session.RedisCacheOptions{Size: 100}})
		b.Cleanup(store.Close)
		bg := newBenchGatewayWith(b, store, nil, idle)
		waitCacheServing(b, store)
		b.ReportAllocs()
		for b.Loop() {
			bg.serve(b, w)
		}
	})
}

// BenchmarkIdentityHeaders strips forged identity headers and injects the session's.
func BenchmarkIdentityHeaders(b *testing.B) {
	ih := newIdentityHeaders(config.DefaultHeaders())
	tmpl := http.Header{
		"User-Agent": {"Mozilla/5.0"}, "Accept": {"text/html"}, "Accept-Language": {"ko-KR"},
		"X-Auth-User-Id": {"forged"}, "Cookie": {"a=b"},
	}
	h := make(http.Header, 16)
	b.ReportAllocs()
	for b.Loop() {
		clear(h)
		for k, v := range tmpl {
			h[k] = v
		}
		ih.strip(h)
		ih.inject(h, benchClaims)
	}
}

// BenchmarkReadTicket opens the session cookie of a request.
func BenchmarkReadTicket(b *testing.B) {
	bg := newBenchGateway(b, session.NewMemoryStore(session.MemoryOptions{}), nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := bg.gw.readTicket(bg.req); err != nil {
			b.Fatal(err)
		}
	}
}

func benchRedis(b *testing.B) *redis.Client {
	b.Helper()
	srv := redistest.Start(b)
	client := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	b.Cleanup(func() { client.Close() })
	return client
}

// waitCacheServing waits until the Redis cache serves (once its subscription is confirmed).
func waitCacheServing(b *testing.B, store *session.RedisStore) {
	b.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !store.CacheServing() {
		if time.Now().After(deadline) {
			b.Fatal("the session cache never served")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

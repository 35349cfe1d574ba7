package gateway

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kakaogate/kakaogate/internal/redistest"
	"github.com/kakaogate/kakaogate/session"
)

// silentStore is a Redis store that saves refreshed sessions without announcing them, as a
// gateway of an older version would: other instances' caches do not hear of the change.
type silentStore struct {
	*session.RedisStore
	client *redis.Client
}

func (s silentStore) Replace(ctx context.Context, id, _ string, blob []byte, ttl time.Duration) error {
	return s.client.Do(ctx, "set", session.DefaultKeyPrefix+"s:"+id, blob, "px", ttl.Milliseconds(), "xx").Err()
}

// TestRefreshChecksTheStoreNotTheCache: gateway B holds a cached copy of a session another
// gateway has just refreshed without announcing it. B's next request finds the tokens due in
// its copy and takes the refresh lease; under the lease it must read Redis, not its cache,
// and so find the tokens already refreshed: one token call in all, not two (with refresh
// token rotation a second refresh would even end the session).
func TestRefreshChecksTheStoreNotTheCache(t *testing.T) {
	srv := redistest.Start(t)
	newClient := func() *redis.Client {
		c := redis.NewClient(&redis.Options{Addr: srv.Addr()})
		t.Cleanup(func() { c.Close() })
		return c
	}
	ca, cb := newClient(), newClient()
	a := newHarness(t, harnessOptions{
		store:  silentStore{RedisStore: session.NewRedisStore(ca, session.RedisOptions{}), client: ca},
		locker: session.NewRedisLocker(ca, session.RedisOptions{}),
	})
	cached := session.NewRedisStore(cb, session.RedisOptions{Cache: session.RedisCacheOptions{Size: 10, TTL: time.Hour}})
	t.Cleanup(cached.Close)
	b := newHarness(t, harnessOptions{issuer: a.kakao.URL(), store: cached, locker: session.NewRedisLocker(cb, session.RedisOptions{})})
	waitServing := time.Now().Add(5 * time.Second)
	for !cached.CacheServing() && time.Now().Before(waitServing) {
		time.Sleep(10 * time.Millisecond)
	}

	browser := a.browser()
	a.login(browser, "/", 1001)
	u, _ := url.Parse(a.base)
	req := &http.Request{Header: http.Header{}}
	for _, c := range browser.Jar.Cookies(u) {
		req.AddCookie(c)
	}
	cookie := req.Header.Get("Cookie")
	tk, err := a.gw.readTicket(req)
	if err != nil {
		t.Fatalf("reading the session cookie: %v", err)
	}
	// The access token is due (a minute left), and gateway B caches that copy.
	ctx := context.Background()
	quiet, _ := session.NewManager(silentStore{RedisStore: session.NewRedisStore(ca, session.RedisOptions{}), client: ca}, session.ManagerOptions{})
	s, err := quiet.LoadFresh(ctx, tk)
	if err != nil {
		t.Fatal(err)
	}
	s.AccessExpiry = time.Now().Add(time.Minute)
	if err := quiet.Save(ctx, tk, s); err != nil {
		t.Fatal(err)
	}
	if _, err := b.gw.sessions.Load(ctx, tk); err != nil {
		t.Fatal(err)
	}

	api := &http.Client{Timeout: 10 * time.Second}
	before := a.kakao.Calls("/oauth/token")
	if res := a.get(api, "/page", "Cookie: "+cookie); res.StatusCode != http.StatusOK {
		t.Fatalf("gateway A at refresh time: %d", res.StatusCode)
	}
	if n := a.kakao.Calls("/oauth/token") - before; n != 1 {
		t.Fatalf("gateway A made %d token calls, want 1 (the refresh)", n)
	}
	if res := b.get(api, "/page", "Cookie: "+cookie); res.StatusCode != http.StatusOK {
		t.Fatalf("gateway B after A's refresh: %d", res.StatusCode)
	}
	if n := a.kakao.Calls("/oauth/token") - before; n != 1 {
		t.Fatalf("%d token calls for one session: gateway B refreshed again from its stale cache", n)
	}
}

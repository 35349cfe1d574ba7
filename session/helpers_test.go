package session

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/internal/testclock"

	"github.com/redis/go-redis/v9"

	"github.com/kakaogate/kakaogate/internal/redistest"
)

// newClock returns the tests' clock, standing at a fixed time.
func newClock() *testclock.Clock {
	return testclock.New(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
}

// newRedisClient returns a client for addr with short timeouts, closed when
// the test ends.
func newRedisClient(t testing.TB, addr string) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{
		Addr:                  addr,
		DialTimeout:           time.Second,
		ReadTimeout:           time.Second,
		WriteTimeout:          time.Second,
		ContextTimeoutEnabled: true,
		MaxRetries:            1,
		DialerRetries:         2,
	})
	t.Cleanup(func() { c.Close() })
	return c
}

// startRedis starts a throwaway server and returns it with a client.
func startRedis(t testing.TB) (*redistest.Server, *redis.Client) {
	t.Helper()
	srv := redistest.Start(t)
	return srv, newRedisClient(t, srv.Addr())
}

// secretToken returns a distinctive random string standing in for a token.
func secretToken(t testing.TB, kind string) string {
	t.Helper()
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return kind + "-" + hex.EncodeToString(b)
}

// sampleSession is a session with every field set (except the ones the
// Manager sets) and RefreshExpiry deliberately zero.
func sampleSession(t testing.TB) *Session {
	t.Helper()
	return &Session{
		UserID: "4242",
		Issuer: "https://kauth.kakao.com",
		Claims: map[string]string{
			"id": "4242", "sub": "4242", "nickname": "라이언", "email": "ryan@example.com",
			"email_needs_agreement": "false", "": "empty key is allowed",
		},
		Scopes:       []string{"openid", "profile_nickname", "account_email"},
		IDToken:      secretToken(t, "idtoken"),
		AccessToken:  secretToken(t, "access"),
		RefreshToken: secretToken(t, "refresh"),
		AccessExpiry: time.Date(2026, 3, 1, 18, 0, 0, 123456789, time.UTC),
	}
}

// errStore is a Store whose every call fails with err.
type errStore struct{ err error }

func (s errStore) Put(context.Context, string, string, []byte, time.Duration) error { return s.err }
func (s errStore) Replace(context.Context, string, string, []byte, time.Duration) error {
	return s.err
}
func (s errStore) Touch(context.Context, string, time.Duration) error { return s.err }
func (s errStore) Get(context.Context, string) ([]byte, error)        { return nil, s.err }
func (s errStore) Delete(context.Context, string, string) error       { return s.err }
func (s errStore) DeleteUser(context.Context, string) (int, error)    { return 0, s.err }
func (s errStore) Ping(context.Context) error                         { return s.err }
func (s errStore) Invalidations() *Invalidations                      { return nil }

package caddymodule

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/redis/go-redis/v9"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/internal/redistest"
	"github.com/kakaogate/kakaogate/session"
)

func TestSessionCacheOption(t *testing.T) {
	tests := []struct {
		name, block string
		noCache     bool
		want        string // error, "" for none
	}{
		{"cache on by default", "session redis redis://127.0.0.1:6379/0", false, ""},
		{"cache off", "session redis redis://127.0.0.1:6379/0 {\n cache off\n }", true, ""},
		{"cache off for a cluster", "session redis_cluster a:1 {\n password p\n cache off\n }", true, ""},
		{"cache on is not a value", "session redis redis://h:1/0 {\n cache on\n }", false, "session cache takes one value: off"},
		{"cache without a value", "session redis redis://h:1/0 {\n cache\n }", false, "session cache takes one value: off"},
		{"cache off for the memory store", "session memory {\n cache off\n }", true, "session memory has no cache to turn off"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := new(Handler)
			err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser("kakaogate {\n " + tt.block + "\n}"))
			if err == nil {
				h.CookieSecrets, h.ClientID = []string{testSecret}, "id"
				h.Config.SetDefaults()
				err = h.Config.Validate()
			}
			if tt.want != "" {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("got %v, want an error containing %q", err, tt.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if h.Session.NoCache != tt.noCache {
				t.Fatalf("NoCache = %v, want %v", h.Session.NoCache, tt.noCache)
			}
		})
	}
}

// TestRedisStoreCacheFollowsTheOption: the pooled Redis store's Manager caches sessions
// unless the configuration turns the cache off. A cached session survives a deletion nobody
// announced (as from an older gateway) for the cache's TTL; an uncached one is gone at once.
func TestRedisStoreCacheFollowsTheOption(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	admin := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { admin.Close() })
	for _, noCache := range []bool{false, true} {
		s := &config.SessionStore{Store: config.StoreRedis, URL: "redis://" + srv.Addr() + "/0", NoCache: noCache}
		ps, key, err := acquireStore(storeSettings{Store: s, Lifetime: time.Hour}, func(string, time.Duration, error) {})
		if err != nil {
			t.Fatal(err)
		}
		// servedFromCache creates and loads a session, deletes it silently and reports
		// whether the next load still returns it.
		servedFromCache := func() bool {
			tk, err := ps.sessions.Create(ctx, &session.Session{UserID: "4242"})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ps.sessions.Load(ctx, tk); err != nil {
				t.Fatal(err)
			}
			if err := admin.Del(ctx, session.DefaultKeyPrefix+"s:"+tk.ID).Err(); err != nil {
				t.Fatal(err)
			}
			_, err = ps.sessions.Load(ctx, tk)
			return err == nil
		}
		serving, wait := false, 3*time.Second
		if noCache {
			wait = 300 * time.Millisecond // a cache would serve within about one heartbeat
		}
		for deadline := time.Now().Add(wait); time.Now().Before(deadline) && !serving; time.Sleep(20 * time.Millisecond) {
			serving = servedFromCache()
		}
		if serving == noCache {
			t.Errorf("no_cache %v: the cache serves = %v", noCache, serving)
		}
		if _, err := storePool.Delete(key); err != nil {
			t.Fatal(err)
		}
	}
}

package session

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestManagerOverRedis(t *testing.T) {
	ctx := context.Background()
	srv, client := startRedis(t)
	m, err := NewManager(NewRedisStore(client, RedisOptions{}), ManagerOptions{Lifetime: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	in := sampleSession(t)
	tk := mustCreate(t, m, in)

	t.Run("a Redis dump reveals no tokens", func(t *testing.T) {
		secrets := map[string]string{"id token": in.IDToken, "access token": in.AccessToken, "refresh token": in.RefreshToken}
		keys, err := client.Keys(ctx, "*").Result()
		if err != nil {
			t.Fatal(err)
		}
		if len(keys) < 2 {
			t.Fatalf("dump has only %q; the test would prove nothing", keys)
		}
		for _, k := range keys {
			var values []string
			switch typ := client.Type(ctx, k).Val(); typ {
			case "string":
				values = []string{client.Get(ctx, k).Val()}
			case "zset":
				values = client.ZRange(ctx, k, 0, -1).Val()
			default:
				t.Fatalf("unexpected key type %q for %q", typ, k)
			}
			for _, v := range append(values, k) {
				for what, s := range secrets {
					if strings.Contains(v, s) {
						t.Fatalf("the %s appears in Redis under %q", what, k)
					}
				}
				if strings.Contains(v, in.Claims["email"]) {
					t.Fatalf("claims appear in clear in Redis under %q", k)
				}
			}
		}
	})
	t.Run("the session survives a gateway restart (new client, store and manager)", func(t *testing.T) {
		b, err := tk.MarshalBinary() // what the cookie carried
		if err != nil {
			t.Fatal(err)
		}
		m2, err := NewManager(NewRedisStore(newRedisClient(t, srv.Addr()), RedisOptions{}), ManagerOptions{Lifetime: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		tk2, err := ParseTicket(b)
		if err != nil {
			t.Fatal(err)
		}
		got, err := m2.Load(ctx, tk2)
		if err != nil {
			t.Fatalf("Load after restart: %v", err)
		}
		if !reflect.DeepEqual(got, in) {
			t.Fatalf("Load after restart:\n got %#v\nwant %#v", got, in)
		}
	})
	t.Run("Save after logout does not bring the session back", func(t *testing.T) {
		s := sampleSession(t)
		tk := mustCreate(t, m, s)
		if err := m.Delete(ctx, tk, s.UserID); err != nil {
			t.Fatal(err)
		}
		if err := m.Save(ctx, tk, s); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Save = %v, want ErrNotFound", err)
		}
		if n := client.Exists(ctx, "kakaogate:s:"+tk.ID).Val(); n != 0 {
			t.Fatal("the session key is back")
		}
	})
	t.Run("Save sets the key's TTL to the time left", func(t *testing.T) {
		s := sampleSession(t)
		tk := mustCreate(t, m, s)
		s.ExpiresAt = time.Now().Add(10 * time.Minute) // as if 50 minutes had passed
		if err := m.Save(ctx, tk, s); err != nil {
			t.Fatal(err)
		}
		if pttl := client.PTTL(ctx, "kakaogate:s:"+tk.ID).Val(); pttl > 10*time.Minute || pttl < 9*time.Minute {
			t.Fatalf("PTTL after Save = %v, want about 10m", pttl)
		}
	})
	t.Run("Redis down: Load fails fast with an error that is not ErrNotFound", func(t *testing.T) {
		srv.Stop()
		defer srv.Start()
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		start := time.Now()
		s, err := m.Load(ctx, tk)
		if took := time.Since(start); took > 3*time.Second {
			t.Fatalf("Load took %v", took)
		}
		if err == nil || s != nil || errors.Is(err, ErrNotFound) {
			t.Fatalf("Load = %v, %v; want a store error", s, err)
		}
		if _, err := m.Create(ctx, sampleSession(t)); err == nil || errors.Is(err, ErrNotFound) {
			t.Fatalf("Create = %v; want a store error", err)
		}
	})
	t.Run("after Redis comes back (empty), the ticket is simply not found", func(t *testing.T) {
		if _, err := m.Load(ctx, tk); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Load = %v, want ErrNotFound", err)
		}
	})
}

func BenchmarkManagerLoad(b *testing.B) {
	ctx := context.Background()
	run := func(b *testing.B, store Store) {
		m, err := NewManager(store, ManagerOptions{})
		if err != nil {
			b.Fatal(err)
		}
		s := sampleSession(b)
		s.IDToken = strings.Repeat("x", 1200)
		tk, err := m.Create(ctx, s)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := m.Load(ctx, tk); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("memory", func(b *testing.B) {
		mem := NewMemoryStore(MemoryOptions{})
		defer mem.Close()
		run(b, mem)
	})
	b.Run("redis", func(b *testing.B) {
		_, client := startRedis(b)
		run(b, NewRedisStore(client, RedisOptions{}))
	})
}

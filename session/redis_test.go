package session

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestRedisStoreKeyLayout(t *testing.T) {
	ctx := context.Background()
	_, client := startRedis(t)
	tests := []struct {
		name, prefix, wantPrefix string
	}{
		{"default prefix", "", "kakaogate:"},
		{"custom prefix", "app1:", "app1:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewRedisStore(client, RedisOptions{KeyPrefix: tt.prefix, MaxLifetime: 48 * time.Hour})
			if err := r.Put(ctx, "sid", "user:1", []byte("blob"), 1500*time.Millisecond); err != nil {
				t.Fatal(err)
			}
			keys, err := client.Keys(ctx, tt.wantPrefix+"*").Result()
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(keys)
			if want := []string{tt.wantPrefix + "s:sid", tt.wantPrefix + "uz:user:1"}; !slices.Equal(keys, want) {
				t.Fatalf("keys = %q, want %q", keys, want)
			}
			if v, _ := client.Get(ctx, tt.wantPrefix+"s:sid").Result(); v != "blob" {
				t.Fatalf("session key holds %q", v)
			}
			if pttl := client.PTTL(ctx, tt.wantPrefix+"s:sid").Val(); pttl <= time.Second || pttl > 1500*time.Millisecond {
				t.Fatalf("session PTTL = %v, want about 1.5s (millisecond precision)", pttl)
			}
			if m := client.ZRange(ctx, tt.wantPrefix+"uz:user:1", 0, -1).Val(); !slices.Equal(m, []string{"sid"}) {
				t.Fatalf("user index = %q", m)
			}
			if pttl := client.PTTL(ctx, tt.wantPrefix+"uz:user:1").Val(); pttl < 47*time.Hour || pttl > 48*time.Hour+indexSkew {
				t.Fatalf("user index PTTL = %v, want the 48h max lifetime and the skew", pttl)
			}
		})
	}
	t.Run("the index outlives a session longer than the max lifetime", func(t *testing.T) {
		r := NewRedisStore(client, RedisOptions{KeyPrefix: "long:", MaxLifetime: time.Hour})
		if err := r.Put(ctx, "sid", "u", []byte("b"), 3*time.Hour); err != nil {
			t.Fatal(err)
		}
		if pttl := client.PTTL(ctx, "long:uz:u").Val(); pttl < 2*time.Hour {
			t.Fatalf("user index PTTL = %v, shorter than its 3h session", pttl)
		}
	})
	t.Run("the store never closes the shared client", func(t *testing.T) {
		r := NewRedisStore(client, RedisOptions{KeyPrefix: "shared:"})
		_, _ = r.DeleteUser(ctx, "u")
		if err := client.Ping(ctx).Err(); err != nil {
			t.Fatalf("client unusable after store use: %v", err)
		}
	})
}

func TestRedisStorePrunesEndedIndexEntries(t *testing.T) {
	ctx := context.Background()
	_, client := startRedis(t)
	r := NewRedisStore(client, RedisOptions{KeyPrefix: "p:"})
	past := float64(time.Now().Add(-time.Second).UnixMilli())
	for i := range 300 { // entries whose sessions have surely ended, as an old login leaves them
		client.ZAdd(ctx, "p:uz:u", redis.Z{Score: past, Member: fmt.Sprint("old", i)})
	}
	if err := r.Put(ctx, "live", "u", []byte("x"), time.Hour); err != nil {
		t.Fatal(err)
	}
	if m := client.ZRange(ctx, "p:uz:u", 0, -1).Val(); !slices.Equal(m, []string{"live"}) {
		t.Fatalf("index after a Put holds %d ids, want only the live one", len(m))
	}
}

// afterIndexRead is a go-redis hook that runs fn once, right after the first
// command or pipeline listing the user index (ZRANGE): a login landing in the middle of
// DeleteUser.
type afterIndexRead struct{ fn func() }

func (h *afterIndexRead) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *afterIndexRead) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		h.after([]redis.Cmder{cmd})
		return err
	}
}
func (h *afterIndexRead) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		h.after(cmds)
		return err
	}
}

// after runs fn, once, after the first ZRANGE (the index read), sent alone or pipelined.
func (h *afterIndexRead) after(cmds []redis.Cmder) {
	if h.fn != nil && slices.ContainsFunc(cmds, func(c redis.Cmder) bool { return c.Name() == "zrange" }) {
		fn := h.fn
		h.fn = nil
		fn()
	}
}

func TestRedisStoreDeleteUserKeepsASessionCreatedMeanwhile(t *testing.T) {
	ctx := context.Background()
	srv, client := startRedis(t)
	other := NewRedisStore(newRedisClient(t, srv.Addr()), RedisOptions{})
	r := NewRedisStore(client, RedisOptions{})
	if err := r.Put(ctx, "a", "u", []byte("x"), time.Hour); err != nil {
		t.Fatal(err)
	}
	client.AddHook(&afterIndexRead{fn: func() {
		if err := other.Put(ctx, "late", "u", []byte("y"), time.Hour); err != nil {
			t.Error(err)
		}
	}})
	if n, err := r.DeleteUser(ctx, "u"); err != nil || n != 1 {
		t.Fatalf("DeleteUser = %d, %v; want 1", n, err)
	}
	if m := client.ZRange(ctx, "kakaogate:uz:u", 0, -1).Val(); !slices.Equal(m, []string{"late"}) {
		t.Fatalf("index = %q; the session created meanwhile must stay listed (revocable)", m)
	}
	if n, err := r.DeleteUser(ctx, "u"); err != nil || n != 1 {
		t.Fatalf("second DeleteUser = %d, %v; want 1", n, err)
	}
	if client.Exists(ctx, "kakaogate:uz:u").Val() != 0 {
		t.Fatal("an emptied index key remains")
	}
}

func TestRedisStoreDown(t *testing.T) {
	srv, client := startRedis(t)
	r := NewRedisStore(client, RedisOptions{})
	if err := r.Put(context.Background(), "sid", "u", []byte("x"), time.Hour); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	ops := []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"Get", func(ctx context.Context) error { _, err := r.Get(ctx, "sid"); return err }},
		{"Put", func(ctx context.Context) error { return r.Put(ctx, "sid", "u", []byte("x"), time.Hour) }},
		{"Replace", func(ctx context.Context) error { return r.Replace(ctx, "sid", "u", []byte("x"), time.Hour) }},
		{"Touch", func(ctx context.Context) error { return r.Touch(ctx, "sid", time.Hour) }},
		{"Delete", func(ctx context.Context) error { return r.Delete(ctx, "sid", "u") }},
		{"DeleteUser", func(ctx context.Context) error { _, err := r.DeleteUser(ctx, "u"); return err }},
		{"Ping", func(ctx context.Context) error { return r.Ping(ctx) }},
	}
	for _, op := range ops {
		t.Run(op.name+" fails fast with an error that is not ErrNotFound", func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			start := time.Now()
			err := op.call(ctx)
			if took := time.Since(start); took > 3*time.Second {
				t.Fatalf("took %v", took)
			}
			if err == nil || errors.Is(err, ErrNotFound) || errors.Is(err, redis.Nil) {
				t.Fatalf("error = %v, want a store failure", err)
			}
		})
	}
}

func TestRedisStoreMapsOnlyNilToNotFound(t *testing.T) {
	ctx := context.Background()
	_, client := startRedis(t)
	r := NewRedisStore(client, RedisOptions{KeyPrefix: "w:"})
	client.SAdd(ctx, "w:s:wrongtype", "x") // a set where a string belongs
	_, err := r.Get(ctx, "wrongtype")
	if err == nil || errors.Is(err, ErrNotFound) {
		t.Fatalf("Get of a WRONGTYPE key = %v, want a store error", err)
	}
	if _, err := r.Get(ctx, "missing"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get of a missing key = %v, want ErrNotFound", err)
	}
}

package session

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestRevokerOverRedis revokes through a real redis-server that goes down and
// comes back with its data: before the outage the test SAVEs an RDB snapshot,
// which the restarted server loads, as a production Redis with persistence
// (or a replica promoted by Sentinel) would. Without it the restart would
// empty the server and the test would prove nothing.
func TestRevokerOverRedis(t *testing.T) {
	ctx := context.Background()
	srv, client := startRedis(t)
	m, err := NewManager(NewRedisStore(client, RedisOptions{}), ManagerOptions{Lifetime: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	env := &revokeEnv{m: m, errs: map[string][]error{}, successes: make(chan [2]any, 100)}
	r := NewRevoker(m, env.options(RevokerOptions{
		RetryInterval: 100 * time.Millisecond, AttemptTimeout: 500 * time.Millisecond,
	}))
	defer r.Close()

	t.Run("with Redis up the sessions end at once", func(t *testing.T) {
		tks := env.sessionsOf(t, "now", 2)
		if n, queued, err := r.Revoke(ctx, "now"); n != 2 || queued || err != nil {
			t.Fatalf("Revoke = %d, %v, %v; want 2, false, nil", n, queued, err)
		}
		wantGone(t, m, tks...)
		if n := client.Exists(ctx, "kakaogate:uz:now").Val(); n != 0 {
			t.Fatal("the user index is left behind")
		}
	})

	t.Run("Redis down: queued; Redis back: a retry ends both sessions", func(t *testing.T) {
		tks := env.sessionsOf(t, "unlinked", 2)
		bystander := env.sessionsOf(t, "bystander", 1)
		if err := client.Save(ctx).Err(); err != nil {
			t.Fatalf("SAVE: %v", err)
		}
		srv.Stop()

		rctx, cancel := context.WithTimeout(ctx, 3*time.Second) // the webhook's budget
		defer cancel()
		start := time.Now()
		n, queued, err := r.Revoke(rctx, "unlinked")
		if took := time.Since(start); took > time.Second {
			t.Fatalf("Revoke took %v with Redis down", took)
		}
		if n != 0 || !queued || err == nil || errors.Is(err, ErrNotFound) {
			t.Fatalf("Revoke = %d, %v, %v; want 0, queued, a store error", n, queued, err)
		}
		if _, queued, _ := r.Revoke(rctx, "unlinked"); !queued || r.Pending() != 1 {
			t.Fatalf("second Revoke: queued %v, Pending %d; want true, 1", queued, r.Pending())
		}

		time.Sleep(600 * time.Millisecond)
		if errs := len(env.errors("unlinked")); errs == 0 || errs > 12 {
			t.Fatalf("%d failed retries reported in 600ms, want a few", errs)
		}

		srv.Start() // loads the snapshot: both sessions are back
		waitSuccess(t, env, "unlinked", 2)
		wantGone(t, m, tks...)
		if _, err := m.Load(ctx, bystander[0]); err != nil {
			t.Fatalf("another user's session after recovery: %v", err)
		}
		if p := r.Pending(); p != 0 {
			t.Fatalf("Pending = %d after recovery", p)
		}
	})
}

package session

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestDurableRevokerOverRedis queues a revocation while a real redis-server
// is down, drops the Revoker as a killed process would leave it, and starts a
// new Manager and Revoker over the same journal: once Ready, the revoked
// sessions are refused at once, before any retry, a login after the
// revocation works, and the retry ends only the sessions issued before it.
func TestDurableRevokerOverRedis(t *testing.T) {
	ctx := context.Background()
	srv, client := startRedis(t)
	dir := filepath.Join(t.TempDir(), "kakaogate")
	newRevoker := func(m *Manager, env *revokeEnv) *Revoker {
		return NewRevoker(m, env.options(RevokerOptions{
			RetryInterval: 300 * time.Millisecond, AttemptTimeout: 500 * time.Millisecond,
			Journal: NewJournal(dir, "redis-test"),
		}))
	}
	newManager := func() (*Manager, *revokeEnv) {
		m, err := NewManager(NewRedisStore(client, RedisOptions{}), ManagerOptions{Lifetime: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		return m, &revokeEnv{m: m, errs: map[string][]error{}, successes: make(chan [2]any, 100)}
	}
	m1, env1 := newManager()
	r1 := newRevoker(m1, env1)
	old := env1.sessionsOf(t, "u", 2)
	if err := client.Save(ctx).Err(); err != nil {
		t.Fatalf("SAVE: %v", err)
	}
	srv.Stop()
	if _, queued, err := r1.Revoke(ctx, "u"); !queued || err == nil {
		t.Fatalf("Revoke with Redis down: queued %v, err %v; want queued with the store error", queued, err)
	}
	r1.Close() // the process dies: the revocation stays in the journal only
	r1.opts.Journal.Close()
	if st, err := os.Stat(r1.opts.Journal.Path()); err != nil || st.Size() == 0 {
		t.Fatalf("journal after the queued revocation: %v, %v", st, err)
	}

	srv.Start()
	m2, env2 := newManager()
	if _, err := m2.Load(ctx, old[0]); err != nil {
		t.Fatalf("before the replay the session is still in Redis: Load = %v", err)
	}
	r2 := newRevoker(m2, env2)
	defer r2.opts.Journal.Close()
	defer r2.Close()
	if err := r2.Ready(); err != nil {
		t.Fatal(err)
	}
	wantGone(t, m2, old...) // at once, from the replayed journal, before any retry
	fresh := env2.sessionsOf(t, "u", 1)
	if _, err := m2.Load(ctx, fresh[0]); err != nil {
		t.Fatalf("a login after the revocation: Load = %v", err)
	}
	waitSuccess(t, env2, "u", 2)
	for _, tk := range old {
		if client.Exists(ctx, "kakaogate:s:"+tk.ID).Val() != 0 {
			t.Fatal("the retry left a revoked session in Redis")
		}
	}
	if _, err := m2.Load(ctx, fresh[0]); err != nil {
		t.Fatalf("the retry ended the login made after the revocation: %v", err)
	}
	if r2.Pending() != 0 || m2.pending.p.Load() != nil {
		t.Fatal("the applied revocation is still pending")
	}
	if st, err := os.Stat(r2.opts.Journal.Path()); err != nil || st.Size() != 0 {
		t.Fatalf("journal not compacted after the retry: size %v, %v", st.Size(), err)
	}
}

// TestDurableRevokerRefusesAtOnce: while a revocation is queued, the user's
// sessions from before it are refused although the store still has them
// (Redis back, queue not yet drained), other users' and later ones are not.
func TestDurableRevokerRefusesAtOnce(t *testing.T) {
	env := newRevokeEnv(t)
	j := NewJournal(t.TempDir(), "mem")
	defer j.Close()
	r := NewRevoker(env.m, env.options(RevokerOptions{RetryInterval: time.Hour, Journal: j}))
	defer r.Close()
	old := env.sessionsOf(t, "u", 1)
	other := env.sessionsOf(t, "v", 1)
	env.m.Load(context.Background(), old[0]) // cached: the refusal must reach the cache too
	env.store.fail("u")
	if _, queued, err := r.Revoke(context.Background(), "u"); !queued || err == nil {
		t.Fatalf("queued %v, err %v", queued, err)
	}
	wantGone(t, env.m, old...)
	later := env.sessionsOf(t, "u", 1)
	for name, tk := range map[string]Ticket{"another user's": other[0], "a later login's": later[0]} {
		if _, err := env.m.Load(context.Background(), tk); err != nil {
			t.Errorf("%s session refused: %v", name, err)
		}
	}
}

// TestDurableRevokerWriteFailures: a revocation that cannot be journaled is
// not queued and is an error wrapping ErrJournal, so it is never acknowledged.
func TestDurableRevokerWriteFailures(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		dir   string
		close bool // the journal's file is closed after Ready: writes fail
	}{
		{"directory cannot be created", filepath.Join(file, "kakaogate"), false},
		{"write fails", t.TempDir(), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newRevokeEnv(t)
			j := NewJournal(tt.dir, "mem")
			defer j.Close()
			r := NewRevoker(env.m, env.options(RevokerOptions{Journal: j}))
			defer r.Close()
			if tt.close {
				if err := r.Ready(); err != nil {
					t.Fatal(err)
				}
				j.Close()
			}
			tks := env.sessionsOf(t, "u", 1)
			env.store.fail("u")
			_, queued, err := r.Revoke(context.Background(), "u")
			if queued || !errors.Is(err, ErrJournal) {
				t.Fatalf("queued %v, err %v; want not queued, ErrJournal", queued, err)
			}
			if r.Pending() != 0 {
				t.Fatal("a revocation that was not journaled is queued")
			}
			_, err = env.m.Load(context.Background(), tks[0])
			switch {
			case tt.close && err != nil: // the journal was replayed: nothing is pending
				t.Fatalf("the session of a failed revocation: %v", err)
			case !tt.close && (!errors.Is(err, ErrJournal) || errors.Is(err, ErrNotFound)):
				// Not replayed: no session can be vouched for; a failure (503), not "logged out".
				t.Fatalf("Load without a replayed journal = %v; want a failure wrapping ErrJournal", err)
			}
		})
	}
}

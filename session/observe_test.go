package session

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

// observations records what an Observer is told.
type observations struct {
	mu   sync.Mutex
	ops  []string
	errs []error
}

func (o *observations) observe(op string, took time.Duration, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if took < 0 {
		panic("negative duration")
	}
	o.ops = append(o.ops, op)
	o.errs = append(o.errs, err)
}

func (o *observations) take() ([]string, []error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	ops, errs := o.ops, o.errs
	o.ops, o.errs = nil, nil
	return ops, errs
}

// TestObserveReportsEveryOperation drives a Manager over an observed MemoryStore and a real
// Redis: every store call is reported under its name, a missing session is not an error, the
// atomic Replace survives the wrapping, and a stopped Redis is reported as errors.
func TestObserveReportsEveryOperation(t *testing.T) {
	srv, client := startRedis(t)
	stores := map[string]Store{
		"memory": NewMemoryStore(MemoryOptions{}),
		"redis":  NewRedisStore(client, RedisOptions{KeyPrefix: "observe:"}),
	}
	for name, inner := range stores {
		t.Run(name, func(t *testing.T) {
			var obs observations
			store := Observe(inner, obs.observe)
			if _, ok := store.(replacer); !ok {
				t.Fatal("the observed store lost Replace: Manager.Save would not be atomic")
			}
			m, err := NewManager(store, ManagerOptions{})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			tk, err := m.Create(ctx, sampleSession(t))
			if err != nil {
				t.Fatal(err)
			}
			s, err := m.Load(ctx, tk)
			if err != nil {
				t.Fatal(err)
			}
			if err := m.Save(ctx, tk, s); err != nil {
				t.Fatal(err)
			}
			if err := m.Delete(ctx, tk, s.UserID); err != nil {
				t.Fatal(err)
			}
			if _, err := m.Load(ctx, tk); !errors.Is(err, ErrNotFound) {
				t.Fatalf("load after delete: %v", err)
			}
			if _, err := m.DeleteUser(ctx, s.UserID); err != nil {
				t.Fatal(err)
			}
			if err := store.Ping(ctx); err != nil {
				t.Fatal(err)
			}
			ops, errs := obs.take()
			want := []string{OpPut, OpGet, OpReplace, OpDelete, OpGet, OpDeleteUser, OpPing}
			if !slices.Equal(ops, want) {
				t.Fatalf("reported ops %v, want %v", ops, want)
			}
			for i, err := range errs {
				if err != nil {
					t.Errorf("%s reported error %v", ops[i], err)
				}
			}
		})
	}

	t.Run("redis down", func(t *testing.T) {
		var obs observations
		store := Observe(stores["redis"], obs.observe)
		srv.Stop()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := store.Get(ctx, "x"); err == nil {
			t.Fatal("Get with Redis stopped succeeded")
		}
		if err := store.Ping(ctx); err == nil {
			t.Fatal("Ping with Redis stopped succeeded")
		}
		ops, errs := obs.take()
		if !slices.Equal(ops, []string{OpGet, OpPing}) || errs[0] == nil || errs[1] == nil {
			t.Fatalf("reported %v %v, want get and ping with errors", ops, errs)
		}
	})
}

// TestObserveWithoutReplace keeps a store that has no atomic Replace without one, so Manager
// falls back to its documented Get-then-Put.
func TestObserveWithoutReplace(t *testing.T) {
	store := Observe(errStore{err: errors.New("down")}, func(string, time.Duration, error) {})
	if _, ok := store.(replacer); ok {
		t.Fatal("an observed store without Replace grew one")
	}
}

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

// TestObserveReportsEveryOperation drives an observed Manager over a MemoryStore and a real
// Redis: every store call is reported under its name, a missing session is not an error, a
// session served from the cache is no store call, and a stopped Redis is reported as errors.
func TestObserveReportsEveryOperation(t *testing.T) {
	srv, client := startRedis(t)
	stores := map[string]Store{
		"memory": NewMemoryStore(MemoryOptions{}),
		"redis":  NewRedisStore(client, RedisOptions{KeyPrefix: "observe:"}),
	}
	for name, store := range stores {
		t.Run(name, func(t *testing.T) {
			var obs observations
			m, err := NewManager(store, ManagerOptions{Observer: obs.observe})
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
			if err := m.Ping(ctx); err != nil {
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
		m, err := NewManager(stores["redis"], ManagerOptions{Observer: obs.observe})
		if err != nil {
			t.Fatal(err)
		}
		id, err := newID()
		if err != nil {
			t.Fatal(err)
		}
		srv.Stop()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := m.Load(ctx, Ticket{ID: id}); err == nil {
			t.Fatal("Load with Redis stopped succeeded")
		}
		if err := m.Ping(ctx); err == nil {
			t.Fatal("Ping with Redis stopped succeeded")
		}
		ops, errs := obs.take()
		if !slices.Equal(ops, []string{OpGet, OpPing}) || errs[0] == nil || errs[1] == nil {
			t.Fatalf("reported %v %v, want get and ping with errors", ops, errs)
		}
	})
}

// TestObserveSkipsCacheHits: a session the Manager serves from its cache makes no store call,
// so nothing is reported.
func TestObserveSkipsCacheHits(t *testing.T) {
	var obs observations
	mem := NewMemoryStore(MemoryOptions{})
	defer mem.Close()
	m, err := NewManager(mem, ManagerOptions{Observer: obs.observe})
	if err != nil {
		t.Fatal(err)
	}
	tk := mustCreate(t, m, sampleSession(t))
	for range 3 {
		if _, err := m.Load(context.Background(), tk); err != nil {
			t.Fatal(err)
		}
	}
	if ops, _ := obs.take(); !slices.Equal(ops, []string{OpPut, OpGet}) {
		t.Fatalf("reported ops %v, want put and one get", ops)
	}
}

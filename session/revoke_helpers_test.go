package session

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

var errStoreDown = errors.New("store down")

// flakyStore wraps a Store; DeleteUser fails for the users marked failing
// ("*": everyone), blocks until ctx ends when hang is set, and ends the
// sessions but then fails (as a store whose announcement fails) while
// failAfterEnding is above zero, counting it down.
type flakyStore struct {
	Store
	mu              sync.Mutex
	failing         map[string]bool
	hang            bool
	failAfterEnding int
	block           chan struct{} // if set, a call that will not fail waits for it to close
	calls           int
	entered         chan string // receives the user of every DeleteUser call, if set and not full
}

func (f *flakyStore) DeleteUser(ctx context.Context, userID string) (int, error) {
	f.mu.Lock()
	f.calls++
	fail, hang, failAfter := f.failing["*"] || f.failing[userID], f.hang, f.failAfterEnding > 0
	if failAfter {
		f.failAfterEnding--
	}
	f.mu.Unlock()
	if f.entered != nil {
		select {
		case f.entered <- userID:
		default:
		}
	}
	if hang {
		<-ctx.Done()
		return 0, ctx.Err()
	}
	if fail {
		return 0, errStoreDown
	}
	f.mu.Lock()
	block := f.block
	f.mu.Unlock()
	if block != nil {
		<-block
	}
	n, err := f.Store.DeleteUser(ctx, userID)
	if failAfter && err == nil {
		return n, errStoreDown
	}
	return n, err
}

func (f *flakyStore) fail(users ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failing = map[string]bool{}
	for _, u := range users {
		f.failing[u] = true
	}
}

func (f *flakyStore) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// revokeEnv is a Manager over a flaky MemoryStore and a record of the
// Revoker's callbacks.
type revokeEnv struct {
	store     *flakyStore
	m         *Manager
	mu        sync.Mutex
	errs      map[string][]error
	successes chan [2]any // {userID, n}
}

func newRevokeEnv(t *testing.T) *revokeEnv {
	t.Helper()
	mem := NewMemoryStore(MemoryOptions{})
	t.Cleanup(func() { mem.Close() })
	env := &revokeEnv{store: &flakyStore{Store: mem}, errs: map[string][]error{}, successes: make(chan [2]any, 100)}
	m, err := NewManager(env.store, ManagerOptions{Lifetime: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	env.m = m
	return env
}

// options returns opts with the callbacks recording into env.
func (env *revokeEnv) options(opts RevokerOptions) RevokerOptions {
	opts.OnError = func(u string, err error) {
		env.mu.Lock()
		defer env.mu.Unlock()
		env.errs[u] = append(env.errs[u], err)
	}
	opts.OnRetrySuccess = func(u string, n int) { env.successes <- [2]any{u, n} }
	return opts
}

func (env *revokeEnv) errors(u string) []error {
	env.mu.Lock()
	defer env.mu.Unlock()
	return append([]error(nil), env.errs[u]...)
}

// sessionsOf creates n sessions for user and returns their tickets.
func (env *revokeEnv) sessionsOf(t *testing.T, user string, n int) []Ticket {
	t.Helper()
	var tks []Ticket
	for range n {
		s := sampleSession(t)
		s.UserID = user
		tks = append(tks, mustCreate(t, env.m, s))
	}
	return tks
}

func wantGone(t *testing.T, m *Manager, tks ...Ticket) {
	t.Helper()
	for i, tk := range tks {
		if _, err := m.Load(context.Background(), tk); !errors.Is(err, ErrNotFound) {
			t.Fatalf("session %d: Load = %v, want ErrNotFound", i, err)
		}
	}
}

func waitSuccess(t *testing.T, env *revokeEnv, user string, n int) {
	t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case s := <-env.successes:
			if s[0] == user {
				if s[1] != n {
					t.Fatalf("retry for %s ended %v sessions, want %d", user, s[1], n)
				}
				return
			}
		case <-timeout:
			t.Fatalf("no successful retry for %s within 5s (errors: %v)", user, env.errors(user))
		}
	}
}

package session

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestManagerWaitUntil(t *testing.T) {
	ctx := context.Background()
	refreshed := func(s *Session) bool { return s.AccessToken == "new" }
	tests := []struct {
		name      string
		store     func(mem *MemoryStore) Store
		meanwhile func(t *testing.T, m *Manager, tk Ticket, s *Session) // runs 50ms into the wait
		ctx       func() (context.Context, context.CancelFunc)
		maxWait   time.Duration
		wantErr   error // nil: the refreshed session
		minTook   time.Duration
		maxTook   time.Duration
	}{
		{
			name:      "returns the session once another holder has saved it",
			meanwhile: func(t *testing.T, m *Manager, tk Ticket, s *Session) { s.AccessToken = "new"; _ = m.Save(ctx, tk, s) },
			maxWait:   3 * time.Second, minTook: 50 * time.Millisecond, maxTook: time.Second,
		},
		{
			name:      "returns ErrNotFound as soon as the session ends",
			meanwhile: func(t *testing.T, m *Manager, tk Ticket, s *Session) { _ = m.Delete(ctx, tk, s.UserID) },
			maxWait:   3 * time.Second, wantErr: ErrNotFound, minTook: 50 * time.Millisecond, maxTook: time.Second,
		},
		{
			name:    "gives up after maxWait with a deadline error",
			maxWait: 300 * time.Millisecond, wantErr: context.DeadlineExceeded, minTook: 300 * time.Millisecond, maxTook: time.Second,
		},
		{
			name:    "stops when ctx ends",
			ctx:     func() (context.Context, context.CancelFunc) { return context.WithTimeout(ctx, 100*time.Millisecond) },
			maxWait: 3 * time.Second, wantErr: context.DeadlineExceeded, minTook: 100 * time.Millisecond, maxTook: time.Second,
		},
		{
			name:    "a store error is returned at once and is not ErrNotFound",
			store:   func(*MemoryStore) Store { return errStore{errStoreDown} },
			maxWait: 3 * time.Second, wantErr: errStoreDown, maxTook: 100 * time.Millisecond,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := NewMemoryStore(MemoryOptions{})
			defer mem.Close()
			m, err := NewManager(mem, ManagerOptions{})
			if err != nil {
				t.Fatal(err)
			}
			s := sampleSession(t)
			tk := mustCreate(t, m, s)
			if tt.store != nil {
				m.store = tt.store(mem)
			}
			if tt.meanwhile != nil {
				cp := *s
				time.AfterFunc(50*time.Millisecond, func() { tt.meanwhile(t, m, tk, &cp) })
			}
			wctx, cancel := ctx, context.CancelFunc(func() {})
			if tt.ctx != nil {
				wctx, cancel = tt.ctx()
			}
			defer cancel()
			start := time.Now()
			got, err := m.WaitUntil(wctx, tk, tt.maxWait, refreshed)
			took := time.Since(start)
			if tt.wantErr == nil && (err != nil || got == nil || got.AccessToken != "new") {
				t.Fatalf("WaitUntil = %v, %v; want the refreshed session", got, err)
			}
			if tt.wantErr != nil && (got != nil || !errors.Is(err, tt.wantErr)) {
				t.Fatalf("WaitUntil = %v, %v; want %v", got, err, tt.wantErr)
			}
			if errors.Is(tt.wantErr, errStoreDown) && errors.Is(err, ErrNotFound) {
				t.Fatalf("a store error came back as ErrNotFound: %v", err)
			}
			if took < tt.minTook || took > tt.maxTook {
				t.Fatalf("WaitUntil took %v, want within [%v, %v]", took, tt.minTook, tt.maxTook)
			}
		})
	}
	t.Run("a condition already true returns after one load", func(t *testing.T) {
		mem := NewMemoryStore(MemoryOptions{})
		defer mem.Close()
		m, _ := NewManager(mem, ManagerOptions{})
		tk := mustCreate(t, m, sampleSession(t))
		loads := 0
		if _, err := m.WaitUntil(ctx, tk, time.Second, func(*Session) bool { loads++; return true }); err != nil || loads != 1 {
			t.Fatalf("WaitUntil = %v after %d loads", err, loads)
		}
		if _, err := m.WaitUntil(ctx, tk, time.Second, nil); err == nil {
			t.Fatal("nil condition accepted")
		}
	})
}

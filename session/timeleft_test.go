package session

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/internal/testclock"
)

// TestTimeLeftAndAlive: TimeLeft says how long a session's key has left, Alive whether it
// holds, neither counts as a use (a Load past RecordInterval does), and both say ErrNotFound
// once it is deleted; over a memory store (on the Manager's clock) and Redis.
func TestTimeLeftAndAlive(t *testing.T) {
	const idle = 40 * time.Second
	_, client := startRedis(t)
	tests := []struct {
		name  string
		store func(clock *testclock.Clock) Store
		clock bool // the store keeps the Manager's clock, so moving it ages the key
	}{
		{"memory", func(c *testclock.Clock) Store {
			ms := NewMemoryStore(MemoryOptions{Now: c.Now})
			t.Cleanup(func() { _ = ms.Close() })
			return ms
		}, true},
		{"redis", func(*testclock.Clock) Store { return NewRedisStore(client, RedisOptions{}) }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clock := testclock.Shifted()
			m, err := NewManager(tc.store(clock), ManagerOptions{Lifetime: time.Hour, IdleTimeout: idle, Now: clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			if m.IdleTimeout() != idle {
				t.Fatalf("IdleTimeout = %v", m.IdleTimeout())
			}
			ctx := context.Background()
			tk, err := m.Create(ctx, &Session{UserID: "3001"})
			if err != nil {
				t.Fatal(err)
			}
			left := func() time.Duration {
				t.Helper()
				d, err := m.TimeLeft(ctx, tk.ID)
				if err != nil {
					t.Fatal(err)
				}
				return d
			}
			if d := left(); d <= idle-time.Second || d > idle {
				t.Fatalf("TimeLeft after Create = %v, want about %v", d, idle)
			}
			if tc.clock {
				clock.Add(RecordInterval(idle) + time.Second)
				if err := m.Alive(ctx, tk); err != nil {
					t.Fatalf("Alive: %v", err)
				}
				if d := left(); d > idle-RecordInterval(idle) {
					t.Fatalf("TimeLeft after Alive = %v: Alive counted as a use", d)
				}
				if _, err := m.Load(ctx, tk); err != nil {
					t.Fatal(err)
				}
				if d := left(); d < idle-time.Second {
					t.Fatalf("TimeLeft after a Load = %v, want about %v (a use)", d, idle)
				}
			}
			if err := m.Delete(ctx, tk, "3001"); err != nil {
				t.Fatal(err)
			}
			if _, err := m.TimeLeft(ctx, tk.ID); !errors.Is(err, ErrNotFound) {
				t.Fatalf("TimeLeft of a deleted session: %v, want ErrNotFound", err)
			}
			if err := m.Alive(ctx, tk); !errors.Is(err, ErrNotFound) {
				t.Fatalf("Alive of a deleted session: %v, want ErrNotFound", err)
			}
		})
	}
}

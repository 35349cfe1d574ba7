package session

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestManagerLink links a name to a user, resolves it, and checks that it expires, ends with
// the user's sessions, and can never be loaded as a session.
func TestManagerLink(t *testing.T) {
	ctx := context.Background()
	m, _, clock := newMemManager(t)
	if err := m.Link(ctx, "sid\x00op\x00abc", "user-1", time.Hour); err != nil {
		t.Fatal(err)
	}
	if got, err := m.Resolve(ctx, "sid\x00op\x00abc"); err != nil || got != "user-1" {
		t.Fatalf("Resolve = %q, %v; want user-1", got, err)
	}
	if _, err := m.Resolve(ctx, "sid\x00op\x00other"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Resolve of an unknown name: %v, want ErrNotFound", err)
	}
	if _, err := m.Load(ctx, Ticket{ID: linkID("sid\x00op\x00abc")}); !errors.Is(err, ErrNotFound) {
		t.Errorf("a link loaded as a session: %v", err)
	}
	for _, bad := range [][2]string{{"", "u"}, {"n", ""}} {
		if err := m.Link(ctx, bad[0], bad[1], time.Hour); err == nil {
			t.Errorf("Link(%q, %q) accepted", bad[0], bad[1])
		}
	}

	tk := mustCreate(t, m, &Session{UserID: "user-1"})
	if _, err := m.DeleteUser(ctx, "user-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Resolve(ctx, "sid\x00op\x00abc"); !errors.Is(err, ErrNotFound) {
		t.Errorf("link survived DeleteUser: %v", err)
	}
	if _, err := m.Load(ctx, tk); !errors.Is(err, ErrNotFound) {
		t.Errorf("session survived DeleteUser: %v", err)
	}

	if err := m.Link(ctx, "short", "user-2", time.Minute); err != nil {
		t.Fatal(err)
	}
	clock.Add(2 * time.Minute)
	if _, err := m.Resolve(ctx, "short"); !errors.Is(err, ErrNotFound) {
		t.Errorf("expired link: %v, want ErrNotFound", err)
	}
}

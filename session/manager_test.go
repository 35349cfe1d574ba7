package session

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/internal/testclock"
)

// newMemManager returns a Manager over a MemoryStore sharing one fake clock.
func newMemManager(t *testing.T) (*Manager, *MemoryStore, *testclock.Clock) {
	t.Helper()
	clock := newClock()
	store := NewMemoryStore(MemoryOptions{Now: clock.Now})
	t.Cleanup(func() { store.Close() })
	m, err := NewManager(store, ManagerOptions{Lifetime: 24 * time.Hour, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return m, store, clock
}

func mustCreate(t *testing.T, m *Manager, s *Session) Ticket {
	t.Helper()
	tk, err := m.Create(context.Background(), s)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	return tk
}

func TestNewManagerValidates(t *testing.T) {
	if _, err := NewManager(nil, ManagerOptions{}); err == nil {
		t.Error("nil store accepted")
	}
	if _, err := NewManager(NewMemoryStore(MemoryOptions{}), ManagerOptions{Lifetime: -time.Second}); err == nil {
		t.Error("negative lifetime accepted")
	}
	m, err := NewManager(errStore{}, ManagerOptions{})
	if err != nil || m.lifetime != DefaultLifetime {
		t.Errorf("default lifetime = %v, %v", m.lifetime, err)
	}
}

func TestManagerCreateAndLoad(t *testing.T) {
	ctx := context.Background()
	m, _, clock := newMemManager(t)
	in := sampleSession(t)
	tk := mustCreate(t, m, in)

	t.Run("Create sets the id and the lifetime", func(t *testing.T) {
		if in.ID != tk.ID || !validID(tk.ID) {
			t.Fatalf("session id %q, ticket id %q", in.ID, tk.ID)
		}
		if !in.CreatedAt.Equal(clock.Now()) || !in.ExpiresAt.Equal(clock.Now().Add(24*time.Hour)) {
			t.Fatalf("CreatedAt %v ExpiresAt %v", in.CreatedAt, in.ExpiresAt)
		}
	})
	t.Run("Load returns the session", func(t *testing.T) {
		got, err := m.Load(ctx, tk)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, in) {
			t.Fatalf("Load:\n got %#v\nwant %#v", got, in)
		}
	})
	t.Run("every Create draws a new id and key", func(t *testing.T) {
		again := mustCreate(t, m, sampleSession(t))
		if again.ID == tk.ID || again.Key == tk.Key {
			t.Fatal("id or key reused")
		}
	})
	t.Run("Create refuses a session without a user", func(t *testing.T) {
		if _, err := m.Create(ctx, &Session{}); err == nil {
			t.Fatal("Create accepted an empty UserID")
		}
	})
}

func TestManagerLoadNotFound(t *testing.T) {
	ctx := context.Background()
	m, store, _ := newMemManager(t)
	victim := sampleSession(t)
	tk := mustCreate(t, m, victim)
	other := mustCreate(t, m, sampleSession(t))
	blob, _ := store.Get(ctx, tk.ID)

	wrongKey := tk
	wrongKey.Key[0] ^= 1
	tests := []struct {
		name  string
		setup func(t *testing.T) Ticket
	}{
		{"an unknown id", func(t *testing.T) Ticket {
			id, _ := newID()
			return Ticket{ID: id, Key: tk.Key}
		}},
		{"a malformed id", func(t *testing.T) Ticket {
			return Ticket{ID: "../../etc", Key: tk.Key}
		}},
		{"the right id with a wrong key", func(t *testing.T) Ticket { return wrongKey }},
		{"a blob moved to another id (the id is bound as AAD)", func(t *testing.T) Ticket {
			if err := store.Put(ctx, other.ID, victim.UserID, blob, time.Hour); err != nil {
				t.Fatal(err)
			}
			return Ticket{ID: other.ID, Key: tk.Key}
		}},
		{"a blob with one byte flipped", func(t *testing.T) Ticket {
			id, _ := newID()
			bad := append([]byte(nil), blob...)
			bad[len(bad)/2] ^= 0x80
			if err := store.Put(ctx, id, victim.UserID, bad, time.Hour); err != nil {
				t.Fatal(err)
			}
			return Ticket{ID: id, Key: tk.Key}
		}},
		{"a truncated blob", func(t *testing.T) Ticket {
			id, _ := newID()
			if err := store.Put(ctx, id, victim.UserID, blob[:10], time.Hour); err != nil {
				t.Fatal(err)
			}
			return Ticket{ID: id, Key: tk.Key}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := m.Load(ctx, tt.setup(t))
			if !errors.Is(err, ErrNotFound) || s != nil {
				t.Fatalf("Load = %v, %v; want ErrNotFound", s, err)
			}
		})
	}
	t.Run("the victim still loads", func(t *testing.T) {
		if _, err := m.Load(ctx, tk); err != nil {
			t.Fatal(err)
		}
	})
}

func TestManagerLoadHonoursExpiresAt(t *testing.T) {
	// The store keeps the blob longer than the session lives (its own clock
	// stands still), so only the Manager's check can end it.
	ctx := context.Background()
	clock := newClock()
	store := NewMemoryStore(MemoryOptions{Now: newClock().Now})
	defer store.Close()
	m, _ := NewManager(store, ManagerOptions{Lifetime: time.Hour, Now: clock.Now})
	tk := mustCreate(t, m, sampleSession(t))
	clock.Add(time.Hour - time.Second)
	if _, err := m.Load(ctx, tk); err != nil {
		t.Fatalf("a second before expiry: %v", err)
	}
	clock.Add(time.Second)
	if _, err := m.Load(ctx, tk); !errors.Is(err, ErrNotFound) {
		t.Fatalf("at expiry: %v, want ErrNotFound", err)
	}
}

func TestManagerStoreFailuresAreNotNotFound(t *testing.T) {
	ctx := context.Background()
	boom := errors.New("connection refused")
	m, _ := NewManager(errStore{err: boom}, ManagerOptions{})
	id, _ := newID()
	tk := Ticket{ID: id}
	s := sampleSession(t)
	s.ExpiresAt = time.Now().Add(time.Hour)
	calls := map[string]error{}
	_, calls["Create"] = m.Create(ctx, sampleSession(t))
	_, calls["Load"] = m.Load(ctx, tk)
	calls["Save"] = m.Save(ctx, tk, s)
	calls["Delete"] = m.Delete(ctx, tk, "")
	_, calls["DeleteUser"] = m.DeleteUser(ctx, "u")
	for name, err := range calls {
		if !errors.Is(err, boom) || errors.Is(err, ErrNotFound) {
			t.Errorf("%s = %v; want the store error, not ErrNotFound", name, err)
		}
	}
}

func TestManagerSave(t *testing.T) {
	ctx := context.Background()
	t.Run("keeps ExpiresAt and stores the new tokens for the time left", func(t *testing.T) {
		mgrClock, storeClock := newClock(), newClock()
		store := NewMemoryStore(MemoryOptions{Now: storeClock.Now})
		defer store.Close()
		m, _ := NewManager(store, ManagerOptions{Lifetime: 24 * time.Hour, Now: mgrClock.Now})
		s := sampleSession(t)
		tk := mustCreate(t, m, s)
		created, expires := s.CreatedAt, s.ExpiresAt
		mgrClock.Add(10 * time.Hour)
		storeClock.Add(10 * time.Hour)

		s.AccessToken = "refreshed-access"
		if err := m.Save(ctx, tk, s); err != nil {
			t.Fatal(err)
		}
		got, err := m.Load(ctx, tk)
		if err != nil {
			t.Fatal(err)
		}
		if got.AccessToken != "refreshed-access" || !got.CreatedAt.Equal(created) || !got.ExpiresAt.Equal(expires) {
			t.Fatalf("after Save: access %q created %v expires %v", got.AccessToken, got.CreatedAt, got.ExpiresAt)
		}
		storeClock.Add(14*time.Hour - time.Second)
		if _, err := store.Get(ctx, tk.ID); err != nil {
			t.Fatalf("stored TTL shorter than the 14h left: %v", err)
		}
		storeClock.Add(time.Second)
		if _, err := store.Get(ctx, tk.ID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("stored TTL longer than the 14h left: %v", err)
		}
	})

	ends := []struct {
		name string
		end  func(m *Manager, tk Ticket, s *Session, clock *testclock.Clock)
	}{
		{"Delete", func(m *Manager, tk Ticket, s *Session, _ *testclock.Clock) { _ = m.Delete(ctx, tk, s.UserID) }},
		{"DeleteUser", func(m *Manager, _ Ticket, s *Session, _ *testclock.Clock) { _, _ = m.DeleteUser(ctx, s.UserID) }},
		{"expiry", func(_ *Manager, _ Ticket, _ *Session, clock *testclock.Clock) { clock.Add(25 * time.Hour) }},
	}
	for _, e := range ends {
		t.Run("does not bring back a session ended by "+e.name, func(t *testing.T) {
			m, _, clock := newMemManager(t)
			s := sampleSession(t)
			tk := mustCreate(t, m, s)
			loaded, err := m.Load(ctx, tk)
			if err != nil {
				t.Fatal(err)
			}
			e.end(m, tk, s, clock) // while a refresh is in flight
			loaded.AccessToken = "refreshed"
			if err := m.Save(ctx, tk, loaded); !errors.Is(err, ErrNotFound) {
				t.Fatalf("Save = %v, want ErrNotFound", err)
			}
			if _, err := m.Load(ctx, tk); !errors.Is(err, ErrNotFound) {
				t.Fatalf("the ended session is back: %v", err)
			}
		})
	}

	t.Run("works over a Store wrapper", func(t *testing.T) {
		clock := newClock()
		mem := NewMemoryStore(MemoryOptions{Now: clock.Now})
		defer mem.Close()
		m, _ := NewManager(struct{ Store }{mem}, ManagerOptions{Now: clock.Now})
		s := sampleSession(t)
		tk := mustCreate(t, m, s)
		s.AccessToken = "refreshed"
		if err := m.Save(ctx, tk, s); err != nil {
			t.Fatal(err)
		}
		if got, _ := m.Load(ctx, tk); got == nil || got.AccessToken != "refreshed" {
			t.Fatalf("Save did not take: %+v", got)
		}
		_ = m.Delete(ctx, tk, s.UserID)
		if err := m.Save(ctx, tk, s); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Save after Delete = %v, want ErrNotFound", err)
		}
	})

	t.Run("refuses a session whose id is not the ticket's", func(t *testing.T) {
		m, _, _ := newMemManager(t)
		a, b := sampleSession(t), sampleSession(t)
		ta := mustCreate(t, m, a)
		mustCreate(t, m, b)
		if err := m.Save(ctx, ta, b); err == nil || !strings.Contains(err.Error(), "does not match") {
			t.Fatalf("Save = %v", err)
		}
	})
}

func TestManagerDelete(t *testing.T) {
	ctx := context.Background()
	t.Run("ends the session and its index entry", func(t *testing.T) {
		m, store, _ := newMemManager(t)
		s := sampleSession(t)
		tk := mustCreate(t, m, s)
		if err := m.Delete(ctx, tk, s.UserID); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Load(ctx, tk); !errors.Is(err, ErrNotFound) {
			t.Fatalf("Load after Delete = %v", err)
		}
		if store.Len() != 0 {
			t.Fatal("store still holds the session")
		}
	})
	t.Run("without a user id it looks the user up", func(t *testing.T) {
		rec := &recordingStore{Store: NewMemoryStore(MemoryOptions{})}
		m, _ := NewManager(rec, ManagerOptions{})
		s := sampleSession(t)
		tk := mustCreate(t, m, s)
		if err := m.Delete(ctx, tk, ""); err != nil {
			t.Fatal(err)
		}
		if rec.deletedUser != s.UserID {
			t.Fatalf("store.Delete got user %q, want %q", rec.deletedUser, s.UserID)
		}
	})
	t.Run("DeleteUser ends every session of the user", func(t *testing.T) {
		m, _, _ := newMemManager(t)
		var tks []Ticket
		for range 3 {
			tks = append(tks, mustCreate(t, m, sampleSession(t)))
		}
		stranger := &Session{UserID: "someone else"}
		ts := mustCreate(t, m, stranger)
		if n, err := m.DeleteUser(ctx, "4242"); err != nil || n != 3 {
			t.Fatalf("DeleteUser = %d, %v", n, err)
		}
		for _, tk := range tks {
			if _, err := m.Load(ctx, tk); !errors.Is(err, ErrNotFound) {
				t.Fatalf("a session survived DeleteUser: %v", err)
			}
		}
		if _, err := m.Load(ctx, ts); err != nil {
			t.Fatalf("another user's session was ended: %v", err)
		}
	})
}

type recordingStore struct {
	Store
	deletedUser string
}

func (r *recordingStore) Delete(ctx context.Context, id, userID string) error {
	r.deletedUser = userID
	return r.Store.Delete(ctx, id, userID)
}

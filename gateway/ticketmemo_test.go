package gateway

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/session"
)

func TestTicketMemo(t *testing.T) {
	now := time.Now()
	a := session.Ticket{ID: "a"}
	tests := []struct {
		name  string
		value string
		at    time.Time
		want  session.Ticket
		ok    bool
	}{
		{"a value that opened, within the minute", "cookie-a", now.Add(memoTTL), a, true},
		{"the same value after the minute", "cookie-a", now.Add(memoTTL + time.Second), session.Ticket{}, false},
		{"another value", "cookie-b", now, session.Ticket{}, false},
	}
	m := newTicketMemo()
	m.put("cookie-a", a, now)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := m.get(tt.value, tt.at)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("get(%q) = %v, %v; want %v, %v", tt.value, got, ok, tt.want, tt.ok)
			}
		})
	}
}

// TestTicketMemoIsBounded: however many cookies open, the memo keeps at most memoEntries.
func TestTicketMemoIsBounded(t *testing.T) {
	m := newTicketMemo()
	now := time.Now()
	for i := range 3 * memoEntries {
		m.put(strconv.Itoa(i), session.Ticket{ID: strconv.Itoa(i)}, now)
	}
	if n := len(m.entries); n > memoEntries {
		t.Fatalf("%d entries, at most %d", n, memoEntries)
	}
	if got, ok := m.get(strconv.Itoa(3*memoEntries-1), now); !ok || got.ID != strconv.Itoa(3*memoEntries-1) {
		t.Fatal("the newest entry was dropped")
	}
}

// TestTicketMemoKeepsOnlyCookiesThatOpened: a tampered cookie is refused every time and
// never remembered; the genuine one is remembered after it opened.
func TestTicketMemoKeepsOnlyCookiesThatOpened(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	c := h.browser()
	h.login(c, "/app", 1001)
	cookie := h.sessionCookie(c).Value
	tampered := cookie[:len(cookie)-2] + "AA"
	if tampered == cookie {
		tampered = cookie[:len(cookie)-2] + "BB"
	}
	for range 2 {
		r := httptest.NewRequest(http.MethodGet, "/app", nil)
		r.AddCookie(&http.Cookie{Name: h.gw.cookies.session, Value: tampered})
		if _, err := h.gw.readTicket(r); err == nil {
			t.Fatal("a tampered session cookie opened")
		}
	}
	if _, ok := h.gw.tickets.get(tampered, h.clock.Now()); ok {
		t.Fatal("a tampered cookie was remembered")
	}
	r := httptest.NewRequest(http.MethodGet, "/app", nil)
	r.AddCookie(&http.Cookie{Name: h.gw.cookies.session, Value: cookie})
	want, err := h.gw.readTicket(r)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := h.gw.tickets.get(cookie, h.clock.Now()); !ok || got != want {
		t.Fatalf("the genuine cookie was not remembered: %v, %v", got, ok)
	}
}

package gateway

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zaptest/observer"

	"github.com/kakaogate/kakaogate/session"
)

// sessionCookie returns the session cookie c holds for the gateway, or nil.
func (h *harness) sessionCookie(c *http.Client) *http.Cookie {
	u, _ := url.Parse(h.base)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == h.gw.cookies.session {
			return ck
		}
	}
	return nil
}

// cookieNames lists the names of the cookies c holds for the gateway.
func (h *harness) cookieNames(c *http.Client) []string {
	u, _ := url.Parse(h.base)
	var names []string
	for _, ck := range c.Jar.Cookies(u) {
		names = append(names, ck.Name)
	}
	return names
}

// withSessionCookie returns a fresh browser holding only the session cookie value.
func (h *harness) withSessionCookie(value string) *http.Client {
	c := h.browser()
	u, _ := url.Parse(h.base)
	c.Jar.SetCookies(u, []*http.Cookie{{Name: h.gw.cookies.session, Value: value, Path: "/"}})
	return c
}

// ticket opens a session cookie value the way the gateway does.
func (h *harness) ticket(value string) session.Ticket {
	h.t.Helper()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.AddCookie(&http.Cookie{Name: h.gw.cookies.session, Value: value})
	t, err := h.gw.readTicket(r)
	if err != nil {
		h.t.Fatalf("session cookie does not open: %v", err)
	}
	return t
}

// loadSession returns the stored session a session cookie value refers to.
func (h *harness) loadSession(value string) (*session.Session, error) {
	h.t.Helper()
	return h.gw.sessions.Load(context.Background(), h.ticket(value))
}

// setsSession reports whether res hands out a (non-empty) session cookie.
func (h *harness) setsSession(res *result) bool {
	for _, ck := range res.Cookies() {
		if ck.Name == h.gw.cookies.session && ck.Value != "" && ck.MaxAge >= 0 {
			return true
		}
	}
	return false
}

var pageRequestID = regexp.MustCompile(`Request ID: ([0-9A-Za-z_-]+)`)

// problemID checks that res is the gateway's error answer in the form the client asked for
// (an HTML page for browsers, JSON otherwise) and returns the request id it shows.
func (h *harness) problemID(t *testing.T, res *result, html bool) string {
	t.Helper()
	ct := res.Header.Get("Content-Type")
	if html {
		if !strings.HasPrefix(ct, "text/html") {
			t.Fatalf("Content-Type = %q, want an HTML page\n%s", ct, res.body)
		}
		m := pageRequestID.FindStringSubmatch(res.body)
		if m == nil {
			t.Fatalf("error page shows no request id:\n%s", res.body)
		}
		return m[1]
	}
	if !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type = %q, want JSON\n%s", ct, res.body)
	}
	var p struct {
		Error     string `json:"error"`
		RequestID string `json:"request_id"`
	}
	if err := json.Unmarshal([]byte(res.body), &p); err != nil || p.Error == "" || p.RequestID == "" {
		t.Fatalf("JSON error %q lacks error or request_id (%v)", res.body, err)
	}
	return p.RequestID
}

// loggedWith returns the log entries carrying request_id id.
func (h *harness) loggedWith(id string) []observer.LoggedEntry {
	return h.logs.Filter(func(e observer.LoggedEntry) bool {
		return e.ContextMap()["request_id"] == id
	}).All()
}

// assertLogged checks that some log line carries the request id shown to the client.
func (h *harness) assertLogged(t *testing.T, id string) {
	t.Helper()
	if len(h.loggedWith(id)) == 0 {
		t.Errorf("no log line carries request id %q; logged: %v", id, h.logs.All())
	}
}

// assertNoStore checks gw-flow-14: a response that may carry a code, token or state is never
// cached and never leaks its URL in a Referer.
func assertNoStore(t *testing.T, what string, res *http.Response) {
	t.Helper()
	if got := res.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("%s: Cache-Control = %q, want no-store", what, got)
	}
	if got := res.Header.Get("Referrer-Policy"); got != "no-referrer" {
		t.Errorf("%s: Referrer-Policy = %q, want no-referrer", what, got)
	}
}

// waitUntil polls cond every 20 ms for up to limit.
func waitUntil(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", limit, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

package gateway

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/net/websocket"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/internal/redistest"
	"github.com/kakaogate/kakaogate/kakaotest"
	"github.com/kakaogate/kakaogate/oidc/oidctest"
	"github.com/kakaogate/kakaogate/session"
)

// closeWithin bounds how long after a session's end its connections may stay open; waitAtMost
// bounds how long a test waits for it to happen.
const (
	closeWithin = time.Second
	waitAtMost  = 3 * time.Second
)

// liveUpstream is a real websocket server (golang.org/x/net/websocket, echoing) and an event
// stream, behind httputil.ReverseProxy, which like Caddy's reverse_proxy hijacks through
// http.ResponseController and closes the upstream side when the request's context ends.
// Requests under /ws and /events go there; the others to the harness's recorder.
func liveUpstream(t *testing.T) func(h *harness, up Next) Next {
	mux := http.NewServeMux()
	mux.Handle("/ws", websocket.Handler(func(ws *websocket.Conn) { _, _ = io.Copy(ws, ws) }))
	mux.HandleFunc("/events", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = io.WriteString(w, "data: hello\n\n")
		_ = http.NewResponseController(w).Flush()
		<-r.Context().Done()
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	target, _ := url.Parse(srv.URL)
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.FlushInterval = -1
	return func(h *harness, up Next) Next {
		return func(w http.ResponseWriter, r *http.Request) error {
			if r.URL.Path == "/ws" || r.URL.Path == "/events" {
				proxy.ServeHTTP(w, r)
				return nil
			}
			return up(w, r)
		}
	}
}

// liveConnection is a websocket or an event stream opened through the gateway.
type liveConnection interface {
	// alive checks the connection answers now.
	alive(t *testing.T)
	// closedWithin waits up to waitAtMost for the connection to close and returns how long it took.
	closedWithin(t *testing.T) time.Duration
}

type wsClient struct{ ws *websocket.Conn }

// dialWS opens a websocket to /ws through h with the given request headers ("Name: value").
func dialWS(t *testing.T, h *harness, headers ...string) *wsClient {
	t.Helper()
	cfg, err := websocket.NewConfig("ws"+strings.TrimPrefix(h.base, "http")+"/ws", h.base)
	if err != nil {
		t.Fatal(err)
	}
	for _, hd := range headers {
		name, value, _ := strings.Cut(hd, ":")
		cfg.Header.Add(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	ws, err := websocket.DialConfig(cfg)
	if err != nil {
		t.Fatalf("websocket through the gateway: %v", err)
	}
	t.Cleanup(func() { _ = ws.Close() })
	c := &wsClient{ws: ws}
	c.alive(t)
	return c
}

func (c *wsClient) alive(t *testing.T) {
	t.Helper()
	_ = c.ws.SetDeadline(time.Now().Add(waitAtMost))
	if err := websocket.Message.Send(c.ws, "ping"); err != nil {
		t.Fatalf("websocket send: %v", err)
	}
	var got string
	if err := websocket.Message.Receive(c.ws, &got); err != nil || got != "ping" {
		t.Fatalf("websocket echo: %q, %v", got, err)
	}
}

func (c *wsClient) closedWithin(t *testing.T) time.Duration {
	t.Helper()
	start := time.Now()
	_ = c.ws.SetReadDeadline(start.Add(waitAtMost))
	var got string
	err := websocket.Message.Receive(c.ws, &got)
	var ne interface{ Timeout() bool }
	if err == nil || errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the websocket is still open %v later (read: %q, %v)", waitAtMost, got, err)
	}
	return time.Since(start)
}

type streamClient struct {
	resp  *http.Response
	lines *bufio.Reader
}

// openStream opens the event stream /events through h with the given request headers.
func openStream(t *testing.T, h *harness, headers ...string) *streamClient {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, h.base+"/events", nil)
	req.Header.Set("Accept", "text/event-stream")
	for _, hd := range headers {
		name, value, _ := strings.Cut(hd, ":")
		req.Header.Add(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	resp, err := (&http.Client{Transport: harnessTransport}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = resp.Body.Close() })
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("event stream: %d", resp.StatusCode)
	}
	c := &streamClient{resp: resp, lines: bufio.NewReader(resp.Body)}
	c.alive(t)
	return c
}

func (c *streamClient) alive(t *testing.T) {
	t.Helper()
	if line, err := c.lines.ReadString('\n'); err != nil || line != "data: hello\n" {
		t.Fatalf("event stream: %q, %v", line, err)
	}
}

func (c *streamClient) closedWithin(t *testing.T) time.Duration {
	t.Helper()
	start := time.Now()
	done := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, c.lines)
		done <- err
	}()
	select {
	case <-done:
		return time.Since(start)
	case <-time.After(waitAtMost):
		t.Fatalf("the event stream is still open %v later", waitAtMost)
		return 0
	}
}

// liveHarness is a Kakao gateway with the admin endpoint, the unlink webhook and bearer
// access on, in front of liveUpstream.
func liveHarness(t *testing.T, configure func(*config.Config)) *harness {
	t.Helper()
	return newHarness(t, harnessOptions{
		emulator: func(o *kakaotest.Options) { o.Apps = []kakaotest.App{nativeApp} },
		configure: func(c *config.Config) {
			c.Bearer, c.AppID = &config.BearerOptions{}, kakaotest.DefaultAppID
			c.AdminToken, c.AdminKey = strings.Repeat("t", 32), kakaotest.DefaultAdminKey
			if configure != nil {
				configure(c)
			}
		},
		after: liveUpstream(t),
	})
}

// adminRevoke ends every session of user through the admin endpoint.
func (h *harness) adminRevoke(t *testing.T, user string) {
	t.Helper()
	res := h.do(http.DefaultClient, http.MethodPost, "/.auth/admin/revoke?user_id="+user, nil, "Authorization: Bearer "+strings.Repeat("t", 32))
	if res.StatusCode != http.StatusOK {
		t.Fatalf("admin revoke: %d %s", res.StatusCode, res.body)
	}
}

// unlinkWebhook delivers Kakao's unlink webhook for user.
func (h *harness) unlinkWebhook(t *testing.T, user string) {
	t.Helper()
	res := h.postForm(&http.Client{}, "/.auth/webhook/unlink", url.Values{"app_id": {kakaotest.DefaultAppID}, "user_id": {user}},
		"Authorization: KakaoAK "+kakaotest.DefaultAdminKey)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("webhook: %d %s", res.StatusCode, res.body)
	}
}

// TestLongLivedConnectionsCloseWhenTheSessionEnds: a websocket and an event stream opened
// through the gateway with a session cookie are closed within a second of the session's
// end, by every route; a change that is not an end leaves them open.
func TestLongLivedConnectionsCloseWhenTheSessionEnds(t *testing.T) {
	open := map[string]func(t *testing.T, h *harness, cookie string) liveConnection{
		"websocket": func(t *testing.T, h *harness, cookie string) liveConnection { return dialWS(t, h, "Cookie: "+cookie) },
		"stream": func(t *testing.T, h *harness, cookie string) liveConnection {
			return openStream(t, h, "Cookie: "+cookie)
		},
	}
	ends := []struct {
		name      string
		configure func(*config.Config)
		before    func(h *harness) // before the connection opens
		end       func(t *testing.T, h *harness, c *http.Client)
	}{
		{name: "logout", end: func(t *testing.T, h *harness, c *http.Client) {
			_, form := h.logoutForm(t, c)
			if res := h.postLogout(c, form.Fields.Get("csrf")); res.StatusCode != http.StatusFound {
				t.Fatalf("logout: %d", res.StatusCode)
			}
		}},
		{name: "unlink webhook", end: func(t *testing.T, h *harness, _ *http.Client) { h.unlinkWebhook(t, "1001") }},
		{name: "admin revoke", end: func(t *testing.T, h *harness, _ *http.Client) { h.adminRevoke(t, "1001") }},
		{name: "store delete", end: func(t *testing.T, h *harness, c *http.Client) {
			if err := h.gw.sessions.Delete(context.Background(), h.ticket(h.sessionCookie(c).Value), ""); err != nil {
				t.Fatal(err)
			}
		}},
		{name: "expiry", configure: func(c *config.Config) { c.SessionLifetime = config.Duration(time.Minute) },
			before: func(h *harness) { h.advanceClock(time.Minute - 500*time.Millisecond) },
			end:    func(*testing.T, *harness, *http.Client) {}},
		{name: "announcements lost", end: func(_ *testing.T, h *harness, _ *http.Client) { h.gw.conns.heard(session.Change{}) }},
		{name: "gateway closes", end: func(_ *testing.T, h *harness, _ *http.Client) { h.gw.Close() }},
	}
	for _, kind := range []string{"websocket", "stream"} {
		for _, e := range ends {
			t.Run(kind+"/"+e.name, func(t *testing.T) {
				h := liveHarness(t, e.configure)
				c := h.browser()
				h.login(c, "/", 1001)
				cookie := h.gw.cookies.session + "=" + h.sessionCookie(c).Value
				if e.before != nil {
					e.before(h)
				}
				conn := open[kind](t, h, cookie)
				e.end(t, h, c)
				if took := conn.closedWithin(t); took > closeWithin {
					t.Fatalf("closed %v after %s, want within %v", took, e.name, closeWithin)
				}
			})
		}
	}
}

// TestLongLivedConnectionsOutliveChangesThatAreNoEnd: a refresh of the session (announced
// like an end), and the logout of another session of the same user, leave a websocket open.
func TestLongLivedConnectionsOutliveChangesThatAreNoEnd(t *testing.T) {
	h := liveHarness(t, nil)
	c, other := h.browser(), h.browser()
	h.login(c, "/", 1001)
	h.login(other, "/", 1001)
	value := h.sessionCookie(c).Value
	ws := dialWS(t, h, "Cookie: "+h.gw.cookies.session+"="+value)
	sess, err := h.loadSession(value)
	if err != nil {
		t.Fatal(err)
	}
	if err := h.gw.sessions.Save(context.Background(), h.ticket(value), sess); err != nil {
		t.Fatal(err)
	}
	_, form := h.logoutForm(t, other)
	if res := h.postLogout(other, form.Fields.Get("csrf")); res.StatusCode != http.StatusFound {
		t.Fatalf("logout of the other session: %d", res.StatusCode)
	}
	time.Sleep(300 * time.Millisecond) // the store checks run meanwhile
	ws.alive(t)
}

// TestBearerWebsocketFollowsItsUser: a websocket opened with a bearer token closes when its
// user is revoked, and when the token's answer would be asked for again.
func TestBearerWebsocketFollowsItsUser(t *testing.T) {
	tests := []struct {
		name string
		end  func(t *testing.T, h *harness)
	}{
		{"admin revoke", func(t *testing.T, h *harness) { h.adminRevoke(t, "1001") }},
		{"unlink webhook", func(t *testing.T, h *harness) { h.unlinkWebhook(t, "1001") }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := liveHarness(t, nil)
			ws := dialWS(t, h, "Authorization: Bearer "+h.appToken(nativeApp, 1001))
			tc.end(t, h)
			if took := ws.closedWithin(t); took > closeWithin {
				t.Fatalf("closed %v after %s, want within %v", took, tc.name, closeWithin)
			}
		})
	}
}

// TestBearerDeadline: a bearer connection ends at its token's expiry or when the answer that
// admitted it would be asked for again, whichever is first.
func TestBearerDeadline(t *testing.T) {
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name         string
		expiry, want time.Time
	}{
		{"expiry unknown", time.Time{}, now.Add(bearerCacheTTL)},
		{"token expires first", now.Add(time.Minute), now.Add(time.Minute)},
		{"token outlives the answer", now.Add(6 * time.Hour), now.Add(bearerCacheTTL)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := bearerDeadline(now, tc.expiry); !got.Equal(tc.want) {
				t.Fatalf("bearerDeadline = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestLiveConnDeadline: the registry ends a tracked request at its deadline.
func TestLiveConnDeadline(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	ended := make(chan struct{})
	start := time.Now()
	lc := h.gw.conns.open("", "1001", session.Ticket{}, h.clock.Now().Add(200*time.Millisecond), func() { close(ended) })
	defer h.gw.conns.done(lc)
	select {
	case <-ended:
		if took := time.Since(start); took < 150*time.Millisecond || took > closeWithin {
			t.Fatalf("ended after %v, want about 200ms", took)
		}
	case <-time.After(waitAtMost):
		t.Fatal("not ended at its deadline")
	}
}

// TestLongLivedRefusedWithoutAnnouncements: over a Redis store without its cache no session
// end is announced, so a websocket is refused (503), never passed on unwatched; ordinary
// requests still work.
func TestLongLivedRefusedWithoutAnnouncements(t *testing.T) {
	srv := redistest.Start(t)
	client := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { _ = client.Close() })
	h := newHarness(t, harnessOptions{store: session.NewRedisStore(client, session.RedisOptions{}), after: liveUpstream(t)})
	c := h.browser()
	h.login(c, "/", 1001)
	if got := h.get(c, "/page", "Accept: application/json").StatusCode; got != http.StatusOK {
		t.Fatalf("an ordinary request got %d", got)
	}
	res := h.get(c, "/events", "Accept: text/event-stream")
	if res.StatusCode != http.StatusServiceUnavailable || h.up.count() != 1 {
		t.Fatalf("event stream without announcements: %d, want 503 with nothing upstream", res.StatusCode)
	}
	if len(h.logs.FilterMessage("websockets and event streams are refused: the session store announces no session ends (session cache off), so a logout or revocation could not close them").All()) != 1 {
		t.Error("the setup warning was not logged")
	}
}

// TestLongLivedDetection: which requests are tracked, and that deciding allocates nothing.
func TestLongLivedDetection(t *testing.T) {
	tests := []struct {
		name    string
		method  string
		headers []string
		want    bool
	}{
		{"page", http.MethodGet, []string{"Accept: text/html"}, false},
		{"api", http.MethodGet, []string{"Accept: application/json", "Connection: keep-alive"}, false},
		{"websocket", http.MethodGet, []string{"Connection: keep-alive, Upgrade", "Upgrade: websocket"}, true},
		{"upgrade without Connection", http.MethodGet, []string{"Upgrade: websocket"}, false},
		{"h2c-like upgrade", http.MethodGet, []string{"Connection: upgrade", "Upgrade: foo"}, true},
		{"CONNECT", http.MethodConnect, nil, true},
		{"event stream", http.MethodGet, []string{"Accept: text/event-stream"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, "/", nil)
			for _, hd := range tc.headers {
				name, value, _ := strings.Cut(hd, ":")
				r.Header.Add(name, strings.TrimSpace(value))
			}
			if got := longLived(r); got != tc.want {
				t.Fatalf("longLived = %v, want %v", got, tc.want)
			}
			if n := testing.AllocsPerRun(100, func() { longLived(r) }); n != 0 {
				t.Fatalf("longLived allocates %v times", n)
			}
		})
	}
}

// TestWebsocketClosesOnBackChannelLogout: the provider's back-channel logout of the session
// closes its websocket within a second.
func TestWebsocketClosesOnBackChannelLogout(t *testing.T) {
	h := newOIDC(t, harnessOptions{op: oidctest.Options{Claims: map[string]any{"sid": opSessionID}}, after: liveUpstream(t)})
	c := h.browser()
	h.expectLogin(t, c, h.authorize(c, "/app", 0), "/app", "user-1")
	ws := dialWS(t, h, "Cookie: "+h.gw.cookies.session+"="+h.sessionCookie(c).Value)
	if r := h.backchannel(h.op.SignLogoutToken(h.op.LogoutTokenClaims(opSessionID))); r.StatusCode != http.StatusOK {
		t.Fatalf("back-channel logout: %d %s", r.StatusCode, r.body)
	}
	if took := ws.closedWithin(t); took > closeWithin {
		t.Fatalf("closed %v after the back-channel logout, want within %v", took, closeWithin)
	}
}

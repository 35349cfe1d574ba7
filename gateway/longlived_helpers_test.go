package gateway

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap"
	"golang.org/x/net/websocket"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/internal/testupstream"
	"github.com/kakaogate/kakaogate/kakaotest"
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
	target, _ := url.Parse(testupstream.StartLive(t).URL)
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
	// closedWithin waits up to waitAtMost for the connection to close and returns how long
	// after since it was closed.
	closedWithin(t *testing.T, since time.Time) time.Duration
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

func (c *wsClient) closedWithin(t *testing.T, since time.Time) time.Duration {
	t.Helper()
	start := time.Now()
	_ = c.ws.SetReadDeadline(start.Add(waitAtMost))
	var got string
	err := websocket.Message.Receive(c.ws, &got)
	var ne interface{ Timeout() bool }
	if err == nil || errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the websocket is still open %v later (read: %q, %v)", waitAtMost, got, err)
	}
	return time.Since(since)
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

func (c *streamClient) closedWithin(t *testing.T, since time.Time) time.Duration {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, c.lines)
		done <- err
	}()
	select {
	case <-done:
		return time.Since(since)
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

// waitLogged waits up to waitAtMost for a log line msg with the given reason (it follows the
// close it reports).
func waitLogged(t *testing.T, h *harness, msg, reason string) {
	t.Helper()
	for deadline := time.Now().Add(waitAtMost); ; time.Sleep(10 * time.Millisecond) {
		if h.logs.FilterMessage(msg).FilterField(zap.String("reason", reason)).Len() > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no log line %q with reason %q", msg, reason)
		}
	}
}

// TestTrackedWriterHijack: http.ResponseController reaches the tracked writer's Hijack, which
// keeps http.ErrNotSupported recognizable (HTTP/2: Caddy then uses extended CONNECT) and
// refuses, closing the connection, once the request's session has ended.
func TestTrackedWriterHijack(t *testing.T) {
	rec := httptest.NewRecorder()
	w := &trackedWriter{ResponseWriter: rec, lc: &liveConn{cancel: func() {}}}
	if _, _, err := http.NewResponseController(w).Hijack(); !errors.Is(err, http.ErrNotSupported) {
		t.Fatalf("Hijack of a writer that cannot: %v, want http.ErrNotSupported", err)
	}
	if err := http.NewResponseController(w).Flush(); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	if !rec.Flushed {
		t.Fatal("Flush did not reach the underlying writer")
	}

	hijacked := make(chan error, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) {
		lc := &liveConn{cancel: func() {}}
		lc.end("session ended")
		_, _, err := http.NewResponseController(&trackedWriter{ResponseWriter: rw, lc: lc}).Hijack()
		hijacked <- err
	}))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err == nil {
		resp.Body.Close()
	}
	if err := <-hijacked; !errors.Is(err, errConnEnded) {
		t.Fatalf("Hijack after the session ended: %v, want errConnEnded", err)
	}
	if err == nil {
		t.Fatal("the client got an answer on a connection that should have been closed")
	}
}

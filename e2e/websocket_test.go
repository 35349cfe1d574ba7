package e2e

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/websocket"

	"github.com/kakaogate/kakaogate/internal/redistest"
	"github.com/kakaogate/kakaogate/internal/testupstream"
	"github.com/kakaogate/kakaogate/kakaotest"
	"github.com/kakaogate/kakaogate/oidc/oidctest"
)

// A session's end reaches every connection it opened (issue 16): through the Caddy binary,
// a websocket and an event stream to a real upstream close within a second of the session's
// end, wherever it ends.

// closeWithin is the guarantee; waitAtMost bounds each wait for it.
const (
	closeWithin = time.Second
	waitAtMost  = 3 * time.Second
)

// liveUpstream starts the app's real websocket endpoint (/ws, echoing, golang.org/x/net/websocket)
// and event stream (/events) and returns its host:port.
func liveUpstream(t *testing.T) string {
	return strings.TrimPrefix(testupstream.StartLive(t).URL, "http://")
}

// liveEnv starts instances gateways with session line session, /ws and /events proxied to
// a live upstream, the admin endpoint and the unlink webhook on, and extra lines in the
// kakaogate block.
func liveEnv(t *testing.T, instances int, session, extra string) *env {
	up := liveUpstream(t)
	return newEnv(t, envOptions{instances: instances, session: session, body: fmt.Sprintf(`
	kakaogate {
		@GATE@
		admin_key demo-admin-key
		app_id 100001
		admin_token %s
		%s
	}
	reverse_proxy /ws %s
	reverse_proxy /events %s
	reverse_proxy @UPSTREAM@`, adminTokenE2E, extra, up, up)})
}

// liveConn is a websocket or event stream opened through a gateway.
type liveConn interface {
	// closedAfter waits up to waitAtMost for the connection to close and says how long it took.
	closedAfter(t *testing.T) time.Duration
}

type wsConn struct{ ws *websocket.Conn }

// openWebsocket opens /ws at base with the session cookie and checks it echoes.
func openWebsocket(t *testing.T, base, cookie string) liveConn {
	t.Helper()
	cfg, err := websocket.NewConfig("ws"+strings.TrimPrefix(base, "http")+"/ws", base)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Header.Set("Cookie", "__Host-kakaogate="+cookie)
	ws, err := websocket.DialConfig(cfg)
	if err != nil {
		t.Fatalf("websocket through %s: %v", base, err)
	}
	t.Cleanup(func() { _ = ws.Close() })
	c := wsConn{ws}
	c.echo(t)
	return c
}

// echo checks the websocket answers.
func (c wsConn) echo(t *testing.T) {
	t.Helper()
	_ = c.ws.SetDeadline(time.Now().Add(waitAtMost))
	var got string
	if err := websocket.Message.Send(c.ws, "ping"); err != nil {
		t.Fatalf("websocket send: %v", err)
	}
	if err := websocket.Message.Receive(c.ws, &got); err != nil || got != "ping" {
		t.Fatalf("websocket echo: %q, %v", got, err)
	}
}

func (c wsConn) closedAfter(t *testing.T) time.Duration {
	t.Helper()
	start := time.Now()
	_ = c.ws.SetReadDeadline(start.Add(waitAtMost))
	var got string
	err := websocket.Message.Receive(c.ws, &got)
	var ne interface{ Timeout() bool }
	if err == nil || errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("the websocket is still open %v later (read %q, %v)", waitAtMost, got, err)
	}
	return time.Since(start)
}

type streamConn struct{ body *bufio.Reader }

// openStream opens /events at base with the session cookie and reads its first event.
func openStream(t *testing.T, base, cookie string) liveConn {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/events", nil)
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Cookie", "__Host-kakaogate="+cookie)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = resp.Body.Close() })
	body := bufio.NewReader(resp.Body)
	if line, err := body.ReadString('\n'); resp.StatusCode != http.StatusOK || line != "data: hello\n" {
		t.Fatalf("event stream: %d %q %v", resp.StatusCode, line, err)
	}
	return streamConn{body}
}

func (c streamConn) closedAfter(t *testing.T) time.Duration {
	t.Helper()
	start := time.Now()
	done := make(chan struct{})
	go func() { _, _ = io.Copy(io.Discard, c.body); close(done) }()
	select {
	case <-done:
		return time.Since(start)
	case <-time.After(waitAtMost):
		t.Fatalf("the event stream is still open %v later", waitAtMost)
		return 0
	}
}

// TestWebsocketClosesWhenTheSessionEndsOnAnotherInstance: two gateways on one real Redis. A
// websocket (or event stream) opened through A closes within a second of a logout, an unlink,
// an admin revocation, the unlink webhook or a back-channel logout received by B, and of the
// expiry of a session B created: with the session cache, heard over Redis; with `cache off`,
// where nothing is announced, found by reading the session again.
func TestWebsocketClosesWhenTheSessionEndsOnAnotherInstance(t *testing.T) {
	t.Parallel()
	for _, store := range []struct{ name, options string }{{"cache", ""}, {"cache off", " {\n\t\t\tcache off\n\t\t}"}} {
		t.Run(store.name, func(t *testing.T) {
			t.Parallel() // each waits a minute for an expiry
			op := oidctest.NewServer(t, oidctest.Options{Claims: map[string]any{"sid": opSessionID}})
			e := liveEnv(t, 2, "session redis redis://"+redistest.Start(t).Addr()+"/0"+store.options, fmt.Sprintf(
				"session_lifetime 1m\n\t\tprovider op {\n\t\t\tissuer %s\n\t\t\tclient_id %s\n\t\t\tclient_secret %s\n\t\t}",
				op.Issuer, op.ClientID, op.ClientSecret))
			sessionEndsOnB(t, e, op)
		})
	}
}

// opSessionID is the provider session (sid) of every login through the provider op.
const opSessionID = "op-session-1"

// sessionEndsOnB runs the ends of TestWebsocketClosesWhenTheSessionEndsOnAnotherInstance.
func sessionEndsOnB(t *testing.T, e *env, op *oidctest.Server) {
	const lifetime = time.Minute // session_lifetime
	a, b := e.bases[0], e.bases[1]
	kakaoOn := func(base string, user int64) func(t *testing.T, c *http.Client) {
		return func(t *testing.T, c *http.Client) {
			resp, err := kakaotest.Login(c, base+"/.auth/login?provider=kakao&rd=/", user) // past the providers page
			if err != nil || sessionCookie(c, base) == "" {
				t.Fatalf("login on %s: %v\n%s", base, err, e.caddy.Logs())
			}
			resp.Body.Close()
		}
	}
	// A bystander's websocket on A, whose session never ends, must survive every step: another session of user 1001, the user of the logout.
	bc := e.browser()
	kakaoOn(a, 1001)(t, bc)
	bystander := openWebsocket(t, a, sessionCookie(bc, a)).(wsConn)
	steps := []struct {
		name  string
		login func(t *testing.T, c *http.Client)
		open  func(t *testing.T, base, cookie string) liveConn
		end   func(t *testing.T, c *http.Client) // nil: the session expires
	}{
		{"logout on B", kakaoOn(a, 1001), openWebsocket, func(t *testing.T, c *http.Client) {
			resp := submitPage(t, noRedirects(c), b+"/.auth/logout", "confirm", "yes")
			resp.Body.Close()
			if resp.StatusCode != http.StatusFound {
				t.Fatalf("logout on B: %d", resp.StatusCode)
			}
		}},
		{"admin revoke on B", kakaoOn(a, 1002), openWebsocket, func(t *testing.T, _ *http.Client) { adminRevoke(t, b, "1002") }},
		{"unlink webhook on B", kakaoOn(a, 1003), openWebsocket, func(t *testing.T, _ *http.Client) { postWebhook(t, b, "1003") }},
		{"unlink on B", kakaoOn(a, 1003), openWebsocket, func(t *testing.T, c *http.Client) {
			resp := submitPage(t, noRedirects(c), b+"/.auth/unlink", "confirm", "yes")
			resp.Body.Close()
			if resp.StatusCode != http.StatusFound {
				t.Fatalf("unlink on B: %d", resp.StatusCode)
			}
		}},
		{"back-channel logout on B", opLoginOn(a), openWebsocket, func(t *testing.T, _ *http.Client) {
			resp, err := http.PostForm(b+"/.auth/backchannel-logout/op", url.Values{"logout_token": {op.SignLogoutToken(op.LogoutTokenClaims(opSessionID))}})
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("back-channel logout on B: %d", resp.StatusCode)
			}
		}},
		{"Stream: admin revoke on B", kakaoOn(a, 1004), openStream, func(t *testing.T, _ *http.Client) { adminRevoke(t, b, "1004") }},
		{"expiry of a session B created", kakaoOn(b, 1002), openWebsocket, nil}, // last: no session outlives it
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			bystander.echo(t) // it survived every step so far
			c := e.browser()
			loggingIn := time.Now()
			s.login(t, c)
			loggedIn := time.Now()
			cookie := sessionCookie(c, a)
			conn := s.open(t, a, cookie)
			var earliest, deadline time.Time // the session's end, at the earliest; its connection's close, at the latest
			if s.end == nil {
				earliest, deadline = loggingIn.Add(lifetime), loggedIn.Add(lifetime+closeWithin)
				time.Sleep(time.Until(earliest.Add(-waitAtMost / 2)))
			} else {
				earliest = time.Now() // the end's request included: A may close before B answers
				deadline = earliest.Add(closeWithin)
				s.end(t, c)
			}
			conn.closedAfter(t)
			closed := time.Now()
			if closed.Before(earliest) || closed.After(deadline) {
				t.Fatalf("closed on A %v after the %s began, want between 0 and %v after it", closed.Sub(earliest), s.name, deadline.Sub(earliest))
			}
			t.Logf("closed on A %v after the start of %s", closed.Sub(earliest), s.name)
			if got := replay(t, a, cookie); got != http.StatusUnauthorized {
				t.Fatalf("after %s the session gets %d on A, want 401", s.name, got)
			}
		})
	}
	if !e.caddy.LogsSoon("long-lived connection") {
		t.Errorf("A logged no closed connection:\n%s", e.caddy.Logs())
	}
}

// opLoginOn returns a login through the provider op at base.
func opLoginOn(base string) func(t *testing.T, c *http.Client) {
	return func(t *testing.T, c *http.Client) {
		resp, body := get(t, c, base+"/.auth/login?provider=op&rd=/")
		if resp.StatusCode != http.StatusOK || sessionCookie(c, base) == "" {
			t.Fatalf("login through op at %s: %d\n%s", base, resp.StatusCode, body)
		}
	}
}

// TestCase_gw_conn_02_SessionExpiryClosesWebsocket: with session_lifetime 1m, a websocket opened right
// after the login closes when the session expires, within a second of it.
func TestCase_gw_conn_02_SessionExpiryClosesWebsocket(t *testing.T) {
	t.Parallel() // it waits a minute for the expiry
	e := liveEnv(t, 1, "", "session_lifetime 1m")
	c := e.browser()
	before := time.Now()
	resp, err := kakaotestLogin(c, e.base, 1001)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	after := time.Now()
	conn := openWebsocket(t, e.base, sessionCookie(c, e.base))
	time.Sleep(time.Until(before.Add(time.Minute - waitAtMost/2)))
	conn.closedAfter(t)
	closed := time.Now()
	if closed.Before(before.Add(time.Minute)) || closed.After(after.Add(time.Minute+closeWithin)) {
		t.Fatalf("closed %v after the login began, want between 1m and 1m%v after it", closed.Sub(before), after.Sub(before)+closeWithin)
	}
}

// TestWebsocketClosesAtIdleEndOverRedis: with idle_timeout 10s over Redis (where the idle end
// is silent: the session key expires), a websocket whose session nobody uses closes within a
// second of the idle end; its own traffic is no use.
func TestWebsocketClosesAtIdleEndOverRedis(t *testing.T) {
	t.Parallel()
	e := liveEnv(t, 2, "session redis redis://"+redistest.Start(t).Addr()+"/0", "idle_timeout 10s")
	c := e.browser()
	start := time.Now()
	resp, err := kakaotestLogin(c, e.bases[0], 1001)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	after := time.Now() // the login's session was last used between start and after
	conn := openWebsocket(t, e.bases[0], sessionCookie(c, e.bases[0])).(wsConn)
	conn.echo(t)
	time.Sleep(time.Until(start.Add(10*time.Second - waitAtMost/2)))
	conn.closedAfter(t)
	if closed := time.Now(); closed.Before(start.Add(10*time.Second)) || closed.After(after.Add(10*time.Second+closeWithin)) {
		t.Fatalf("closed %v after the login began (which took %v), want within %v of the idle end 10s after it", closed.Sub(start), after.Sub(start), closeWithin)
	}
}

package gateway

// Section J of docs/rp-security.md (issue 16): a session's end reaches every long-lived
// connection it opened. The e2e tests named in docs/security.md run the same through the Caddy
// binary, with two instances on one Redis.

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/internal/redistest"
	"github.com/kakaogate/kakaogate/kakaotest"
	"github.com/kakaogate/kakaogate/oidc/oidctest"
	"github.com/kakaogate/kakaogate/session"
)

// TestCase_gw_conn_01_SessionEndClosesWebsocketsAndStreams: a websocket and an event stream opened
// through the gateway with a session cookie are closed within a second of the session's
// end, by every route; a change that is not an end leaves them open.
func TestCase_gw_conn_01_SessionEndClosesWebsocketsAndStreams(t *testing.T) {
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
				start := time.Now()
				e.end(t, h, c)
				if took := conn.closedWithin(t, start); took > closeWithin {
					t.Fatalf("closed %v after %s, want within %v", took, e.name, closeWithin)
				}
			})
		}
	}
}

// TestCase_gw_conn_05_RefreshOrOtherSessionsLogoutKeepsWebsocket: a refresh of the session (announced
// like an end), and the logout of another session of the same user, leave a websocket open.
func TestCase_gw_conn_05_RefreshOrOtherSessionsLogoutKeepsWebsocket(t *testing.T) {
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

// TestCase_gw_conn_03_BearerWebsocketFollowsItsUserAndToken: a websocket opened with a bearer token closes when its
// user is revoked, and when the token's answer would be asked for again.
func TestCase_gw_conn_03_BearerWebsocketFollowsItsUserAndToken(t *testing.T) {
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
			start := time.Now()
			tc.end(t, h)
			if took := ws.closedWithin(t, start); took > closeWithin {
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

// TestCase_gw_conn_04_WatchedByPollingWithoutAnnouncements: over a Redis store without its
// cache (`cache off`) no session end is announced, so the gateway reads each tracked session
// again every connPollInterval: a websocket and an event stream still close within a second
// of a logout or an admin revocation. A bearer token's stream, whose user's revocation could
// not be heard, is refused (503), never passed on unwatched.
func TestCase_gw_conn_04_WatchedByPollingWithoutAnnouncements(t *testing.T) {
	srv := redistest.Start(t)
	client := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { _ = client.Close() })
	for _, end := range []string{"logout", "admin revoke"} {
		t.Run(end, func(t *testing.T) {
			h := newHarness(t, harnessOptions{
				store: session.NewRedisStore(client, session.RedisOptions{}), after: liveUpstream(t),
				emulator: func(o *kakaotest.Options) { o.Apps = []kakaotest.App{nativeApp} },
				configure: func(c *config.Config) {
					c.Bearer, c.AppID = &config.BearerOptions{}, kakaotest.DefaultAppID
					c.AdminToken, c.AdminKey = strings.Repeat("t", 32), kakaotest.DefaultAdminKey
				},
			})
			c := h.browser()
			h.login(c, "/", 1001)
			cookie := "Cookie: " + h.gw.cookies.session + "=" + h.sessionCookie(c).Value
			ws, stream := dialWS(t, h, cookie), openStream(t, h, cookie)
			// Polled once, still there (the stream says its one line when it opens).
			time.Sleep(connPollInterval + 100*time.Millisecond)
			ws.alive(t)
			start := time.Now()
			if end == "logout" {
				_, form := h.logoutForm(t, c)
				h.postLogout(c, form.Fields.Get("csrf"))
			} else {
				h.adminRevoke(t, "1001")
			}
			for _, conn := range []liveConnection{ws, stream} {
				if took := conn.closedWithin(t, start); took > closeWithin {
					t.Fatalf("closed %v after the %s, want within %v", took, end, closeWithin)
				}
			}
			before := h.up.count()
			res := h.get(http.DefaultClient, "/events", "Accept: text/event-stream", "Authorization: Bearer "+h.appToken(nativeApp, 1002))
			if res.StatusCode != http.StatusServiceUnavailable || h.up.count() != before {
				t.Fatalf("bearer event stream without announcements: %d, want 503 with nothing upstream", res.StatusCode)
			}
		})
	}
}

// TestCase_gw_conn_06_DetectsUpgradesTunnelsAndStreamsWithoutAllocating: which requests are tracked, and that deciding allocates nothing.
func TestCase_gw_conn_06_DetectsUpgradesTunnelsAndStreamsWithoutAllocating(t *testing.T) {
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
	start := time.Now()
	if r := h.backchannel(h.op.SignLogoutToken(h.op.LogoutTokenClaims(opSessionID))); r.StatusCode != http.StatusOK {
		t.Fatalf("back-channel logout: %d %s", r.StatusCode, r.body)
	}
	if took := ws.closedWithin(t, start); took > closeWithin {
		t.Fatalf("closed %v after the back-channel logout, want within %v", took, closeWithin)
	}
}

// TestWebsocketClosesWhenTheSubscriptionFails: over a Redis store with its cache, a failed
// invalidation subscription (Redis kills it) may have lost announcements: the websocket is
// closed within a second (fail closed), and a new one opens once the subscription is back.
func TestWebsocketClosesWhenTheSubscriptionFails(t *testing.T) {
	srv := redistest.Start(t)
	client := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	admin := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	t.Cleanup(func() { _ = client.Close(); _ = admin.Close() })
	store := session.NewRedisStore(client, session.RedisOptions{Cache: session.RedisCacheOptions{Size: 10}})
	t.Cleanup(store.Close)
	h := newHarness(t, harnessOptions{store: store, after: liveUpstream(t)})
	waitServing := func() {
		deadline := time.Now().Add(waitAtMost)
		for !store.CacheServing() {
			if time.Now().After(deadline) {
				t.Fatal("the session cache never served")
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitServing()
	c := h.browser()
	h.login(c, "/", 1001)
	cookie := "Cookie: " + h.gw.cookies.session + "=" + h.sessionCookie(c).Value
	ws := dialWS(t, h, cookie)
	start := time.Now()
	if err := admin.Do(context.Background(), "client", "kill", "type", "pubsub").Err(); err != nil {
		t.Fatal(err)
	}
	if took := ws.closedWithin(t, start); took > closeWithin {
		t.Fatalf("closed %v after the subscription failed, want within %v", took, closeWithin)
	}
	waitLogged(t, h, "long-lived connections closed", endLost)
	waitServing()
	dialWS(t, h, cookie).alive(t)
}

// TestCase_gw_conn_07_IdleEndClosesWebsocket: with idle_timeout, a session's websocket
// closes within a second of the session's silent idle end (its traffic is not a use), while
// the websocket of a session still in use stays open.
func TestCase_gw_conn_07_IdleEndClosesWebsocket(t *testing.T) {
	const idle = config.MinIdleTimeout
	h := liveHarness(t, func(c *config.Config) { c.IdleTimeout = config.Duration(idle) })
	idleC, usedC := h.browser(), h.browser()
	h.login(usedC, "/", 1001)
	start := time.Now()
	h.login(idleC, "/", 1002)
	idleWS := dialWS(t, h, "Cookie: "+h.gw.cookies.session+"="+h.sessionCookie(idleC).Value)
	usedWS := dialWS(t, h, "Cookie: "+h.gw.cookies.session+"="+h.sessionCookie(usedC).Value)
	stop := make(chan struct{})
	used := make(chan struct{})
	go func() { // the other session is used every second
		defer close(used)
		for {
			select {
			case <-stop:
				return
			case <-time.After(time.Second):
				h.get(usedC, "/page", "Accept: application/json")
			}
		}
	}()
	idleWS.alive(t) // websocket traffic: no use of the session
	time.Sleep(time.Until(start.Add(idle - waitAtMost/2)))
	ended := idleWS.closedWithin(t, start)
	close(stop)
	<-used
	if ended < idle || ended > idle+closeWithin {
		t.Fatalf("the idle session's websocket closed %v after the login began, want within %v after %v", ended, closeWithin, idle)
	}
	usedWS.alive(t)
	waitLogged(t, h, "long-lived connection closed", endIdle)
}

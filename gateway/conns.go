package gateway

import (
	"context"
	"errors"
	"net"
	"slices"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/kakaogate/kakaogate/session"
)

// A session's end reaches every connection it opened (issue 16). A request that is meant to
// last (longLived: an upgrade such as a websocket, a CONNECT tunnel, an event stream) goes
// upstream tracked under its session id and user id, on a context the gateway can cancel
// and through a ResponseWriter that records the connection when the upstream handler
// (reverse_proxy) hijacks it. The connRegistry ends it, by closing the hijacked connection
// and cancelling the context (reverse_proxy then closes the upstream side and ends a stream),
// when:
//
//   - its session ends by any route, here or on another instance: the store announces the
//     session id (logout, back-channel logout, expiry in a memory store) and a fresh read of
//     the store no longer finds it, or cannot say (fail closed);
//   - every session of its user ends (unlink, its webhook, admin revocation);
//   - its session expires (ExpiresAt) or ends idle (idle_timeout: a silent end, looked for
//     when the session's key in the store would expire, see watchIdle; the connection's own
//     traffic is no use of the session);
//   - for a bearer identity, the token expires or the gateway would ask the provider about
//     it again (bearerCacheTTL), whichever comes first;
//   - announcements may have been lost (the Redis subscription failed or was made again, a
//     Redis command failed): every tracked connection is closed, since a revocation may have
//     gone unheard; clients reconnect and are checked again;
//   - the gateway closes (a configuration reload), since nothing would watch it afterwards.
//
// Without announcements (a Redis store with `cache off`) the registry polls instead: every
// connPollInterval it reads each tracked session afresh and ends the connections of those
// that are gone, so an end by any route still closes them within about a second. A bearer
// identity has no session to read and its user's revocation cannot be heard: its long-lived
// requests are refused with 503 there (see serveLongLived).

// connCheckTimeout bounds the store read that decides whether an announced session ended.
const connCheckTimeout = 2 * time.Second

// connPollInterval is how often, without announcements, every tracked session is read again.
const connPollInterval = 500 * time.Millisecond

// Why a tracked connection was ended, as logged.
const (
	endSessionEnded = "session ended"
	endUnconfirmed  = "session not confirmed by the store"
	endUserRevoked  = "user revoked"
	endExpired      = "session expired"
	endIdle         = "session idle"
	endLost         = "session announcements may have been lost"
	endClosing      = "gateway closing"
)

// connRegistry keeps one gateway's tracked long-lived connections, indexed by session and
// by user, and ends them as the session store announces ends (session.Manager.Watch).
type connRegistry struct {
	sessions  *session.Manager
	logger    *zap.Logger
	now       func() time.Time
	stopWatch func()
	polling   bool            // the store announces nothing: sessions are read again (poll)
	ctx       context.Context // the store checks; ends with close
	cancel    context.CancelFunc
	checks    sync.WaitGroup

	mu        sync.Mutex
	closed    bool
	bySession map[string]map[*liveConn]struct{}
	byUser    map[string]map[*liveConn]struct{}
}

// liveConn is one tracked request.
type liveConn struct {
	sessionID string         // "" for a bearer identity
	userID    string         // the session's user
	ticket    session.Ticket // opens the session for a check; zero for a bearer identity
	cancel    context.CancelFunc
	timer     *time.Timer // ends it at the deadline

	mu    sync.Mutex
	ended bool
	conn  net.Conn    // the hijacked connection, once hijacked
	idle  *time.Timer // looks for the session's idle end (watchIdle); nil without idle_timeout
}

// newConnRegistry watches sessions' announcements or, when the store makes none, polls.
func newConnRegistry(sessions *session.Manager, logger *zap.Logger, now func() time.Time) *connRegistry {
	c := &connRegistry{sessions: sessions, logger: logger, now: now,
		bySession: make(map[string]map[*liveConn]struct{}), byUser: make(map[string]map[*liveConn]struct{})}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	_, stop, ok := sessions.Watch(c.heard)
	c.stopWatch, c.polling = stop, !ok
	if c.polling {
		c.checks.Add(1)
		go c.poll()
	}
	return c
}

// poll reads every tracked session again each connPollInterval, until the registry closes.
func (c *connRegistry) poll() {
	defer c.checks.Done()
	tick := time.NewTicker(connPollInterval)
	defer tick.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case <-tick.C:
		}
		c.mu.Lock()
		ids := make([]string, 0, len(c.bySession))
		for id := range c.bySession {
			ids = append(ids, id)
		}
		c.mu.Unlock()
		for _, id := range ids {
			c.checks.Add(1)
			c.check(id)
		}
	}
}

// open tracks a request of the session sessionID ("" for a bearer identity) of userID until
// deadline, ending it through cancel. It returns nil when the registry is closed.
func (c *connRegistry) open(sessionID, userID string, t session.Ticket, deadline time.Time, cancel context.CancelFunc) *liveConn {
	lc := &liveConn{sessionID: sessionID, userID: userID, ticket: t, cancel: cancel}
	c.mu.Lock()
	if c.closed || (c.polling && sessionID == "") {
		c.mu.Unlock()
		return nil
	}
	if sessionID != "" {
		addConn(c.bySession, sessionID, lc)
	}
	addConn(c.byUser, userID, lc)
	lc.timer = time.AfterFunc(deadline.Sub(c.now()), func() { c.end(lc, endExpired) })
	c.mu.Unlock()
	if idle := c.sessions.IdleTimeout(); idle > 0 && sessionID != "" {
		// The request's session was used just now (or recorded as used by this instance
		// within RecordInterval): it cannot end idle before this.
		c.watchIdle(lc, idle-session.RecordInterval(idle))
	}
	return lc
}

// idleMargin is how long after its key should have expired a session is looked at again.
const idleMargin = 10 * time.Millisecond

// watchIdle looks, after d, whether lc's session ended idle (ManagerOptions.IdleTimeout). An
// idle end is silent (the store's key expires), so the store is asked how long the session
// has left, without counting as a use, and asked again when that runs out: lc ends within
// idleMargin plus a store round trip of the session's idle end, or when the store cannot say.
func (c *connRegistry) watchIdle(lc *liveConn, d time.Duration) {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	if lc.ended {
		return
	}
	lc.idle = time.AfterFunc(d, func() {
		ctx, cancel := context.WithTimeout(c.ctx, connCheckTimeout)
		defer cancel()
		left, err := c.sessions.TimeLeft(ctx, lc.sessionID)
		switch {
		case err == nil:
			c.watchIdle(lc, left+idleMargin)
		case errors.Is(err, session.ErrNotFound):
			c.end(lc, endIdle)
		default:
			c.logger.Warn("long-lived connection closed: the session store could not say whether its session is idle", zap.Error(err))
			c.end(lc, endUnconfirmed)
		}
	})
}

// done forgets lc once its request is over; a connection hijacked by a handler that has
// returned is closed too, since nothing would watch it any more.
func (c *connRegistry) done(lc *liveConn) {
	lc.timer.Stop()
	c.mu.Lock()
	if lc.sessionID != "" {
		removeConn(c.bySession, lc.sessionID, lc)
	}
	removeConn(c.byUser, lc.userID, lc)
	c.mu.Unlock()
	lc.end("")
}

// heard applies one announcement of the store. It runs on the store's goroutines, maybe
// under the store's lock: the store is read, when needed, on a goroutine of its own.
func (c *connRegistry) heard(ch session.Change) {
	switch {
	case ch.UserID != "":
		c.endUser(ch.UserID, endUserRevoked)
	case ch.SessionID != "":
		c.mu.Lock()
		_, tracked := c.bySession[ch.SessionID]
		if tracked && !c.closed {
			c.checks.Add(1)
			go c.check(ch.SessionID)
		}
		c.mu.Unlock()
	default:
		c.endEvery(endLost)
	}
}

// check reads the announced session sessionID afresh and ends its connections unless it
// still exists (fail closed: a store that cannot say ends them too).
func (c *connRegistry) check(sessionID string) {
	defer c.checks.Done()
	c.mu.Lock()
	var t session.Ticket
	for lc := range c.bySession[sessionID] {
		t = lc.ticket
		break
	}
	c.mu.Unlock()
	if t.ID == "" {
		return // its requests ended meanwhile
	}
	ctx, cancel := context.WithTimeout(c.ctx, connCheckTimeout)
	defer cancel()
	err := c.sessions.Alive(ctx, t) // not a use: a refresh elsewhere must not keep it from idling
	switch {
	case err == nil:
		return
	case errors.Is(err, session.ErrNotFound):
		c.endSession(sessionID, endSessionEnded)
	default:
		c.logger.Warn("long-lived connections closed: the session store could not confirm their session", zap.Error(err))
		c.endSession(sessionID, endUnconfirmed)
	}
}

// endSession ends every connection of sessionID.
func (c *connRegistry) endSession(sessionID, reason string) {
	c.mu.Lock()
	conns := snapshot(c.bySession[sessionID])
	c.mu.Unlock()
	c.endConns(conns, reason)
}

// endUser ends every connection of userID.
func (c *connRegistry) endUser(userID, reason string) {
	c.mu.Lock()
	conns := snapshot(c.byUser[userID])
	c.mu.Unlock()
	c.endConns(conns, reason)
}

// endEvery ends every tracked connection.
func (c *connRegistry) endEvery(reason string) {
	c.mu.Lock()
	var conns []*liveConn
	for _, set := range c.byUser {
		conns = append(conns, snapshot(set)...)
	}
	c.mu.Unlock()
	c.endConns(conns, reason)
}

// endConns ends conns and logs one line for them all (a lost subscription may end thousands).
func (c *connRegistry) endConns(conns []*liveConn, reason string) {
	n := 0
	for _, lc := range conns {
		if lc.end(reason) {
			n++
		}
	}
	if n == 0 {
		return
	}
	fields := []zap.Field{zap.Int("count", n), zap.String("reason", reason)}
	if user := conns[0].userID; !slices.ContainsFunc(conns, func(lc *liveConn) bool { return lc.userID != user }) {
		fields = append(fields, zap.String("user_id", user))
	}
	c.logger.Info("long-lived connections closed", fields...)
}

// end ends lc and logs why.
func (c *connRegistry) end(lc *liveConn, reason string) {
	if lc.end(reason) {
		c.logger.Info("long-lived connection closed", zap.String("user_id", lc.userID), zap.String("reason", reason),
			zap.Bool("bearer", lc.sessionID == ""))
	}
}

// close ends every tracked connection and stops watching: the gateway goes.
func (c *connRegistry) close() {
	c.stopWatch()
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	c.cancel()
	c.endEvery(endClosing)
	c.checks.Wait()
}

// end closes lc's hijacked connection and cancels its request, once; reason "" marks a
// request that ended by itself. It reports whether this call ended a live request.
func (lc *liveConn) end(reason string) bool {
	lc.mu.Lock()
	if lc.ended {
		lc.mu.Unlock()
		return false
	}
	lc.ended = true
	conn := lc.conn
	if lc.idle != nil {
		lc.idle.Stop()
	}
	lc.mu.Unlock()
	lc.cancel()
	if conn != nil {
		_ = conn.Close()
	}
	return reason != ""
}

// hijacked records conn as lc's connection; false (conn must be closed) when lc has ended.
func (lc *liveConn) hijacked(conn net.Conn) bool {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	if lc.ended {
		return false
	}
	lc.conn = conn
	return true
}

func addConn(m map[string]map[*liveConn]struct{}, key string, lc *liveConn) {
	set := m[key]
	if set == nil {
		set = make(map[*liveConn]struct{})
		m[key] = set
	}
	set[lc] = struct{}{}
}

func removeConn(m map[string]map[*liveConn]struct{}, key string, lc *liveConn) {
	if set := m[key]; set != nil {
		delete(set, lc)
		if len(set) == 0 {
			delete(m, key)
		}
	}
}

func snapshot(set map[*liveConn]struct{}) []*liveConn {
	out := make([]*liveConn, 0, len(set))
	for lc := range set {
		out = append(out, lc)
	}
	return out
}

// setUpConns builds the registry of long-lived connections.
func (g *Gateway) setUpConns() {
	g.conns = newConnRegistry(g.sessions, g.logger, g.now)
	if g.conns.polling {
		g.logger.Warn("the session store announces no session ends (session cache off): websockets and event streams are watched by reading their sessions every 500ms, and those of bearer tokens are refused")
	}
}

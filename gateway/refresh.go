package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"go.uber.org/zap"

	"github.com/kakaogate/kakaogate/oidc"
	"github.com/kakaogate/kakaogate/session"
)

const (
	// refreshMargin is how long before the access token expires the gateway refreshes it.
	refreshMargin = 5 * time.Minute
	// refreshLease outlives the slowest token call (bounded by the relying party's timeout),
	// so no second instance starts a refresh while one is still in flight.
	refreshLease = 30 * time.Second
	// refreshWait is how long a request waits for another instance's refresh of an already
	// expired token before it goes on with what it has.
	refreshWait = 3 * time.Second
	// refreshCall bounds one refresh, whatever the request's own deadline.
	refreshCall = 15 * time.Second
)

// errSessionEnded means the refresh showed the session is over (invalid_grant, or a
// refreshed ID token naming someone else): the person must log in again.
var errSessionEnded = errors.New("gateway: session ended by the provider")

// refreshDue reports whether the session's access token is close enough to expiry to renew.
func (g *Gateway) refreshDue(sess *session.Session) bool {
	return sess.RefreshToken != "" && !sess.AccessExpiry.IsZero() &&
		g.now().Add(refreshMargin).After(sess.AccessExpiry)
}

// refreshIfDue renews the session's tokens when they are about to expire. Exactly one refresh
// happens per session: requests in this process share one call (single-flight) and gateway
// instances share a lease in the session store; the others use the still-valid token or wait
// briefly for the refreshed session. A transient provider failure keeps the current session
// (the identity is still ours to vouch for); invalid_grant ends it.
func (g *Gateway) refreshIfDue(r *http.Request, ticket session.Ticket, sess *session.Session) (*session.Session, error) {
	if g.locker == nil || !g.refreshDue(sess) {
		return sess, nil
	}
	v, err, _ := g.refreshes.Do(ticket.ID, func() (any, error) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), refreshCall)
		defer cancel()
		return g.refresh(ctx, ticket, sess)
	})
	if err != nil {
		return nil, err
	}
	return v.(*session.Session), nil
}

func (g *Gateway) refresh(ctx context.Context, ticket session.Ticket, sess *session.Session) (*session.Session, error) {
	lease, err := g.locker.Acquire(ctx, "refresh:"+ticket.ID, refreshLease)
	if errors.Is(err, session.ErrLocked) {
		return g.awaitRefresh(ctx, ticket, sess)
	}
	if err != nil {
		return nil, fmt.Errorf("taking the refresh lease: %w", err)
	}
	defer func() {
		if err := lease.Release(context.WithoutCancel(ctx)); err != nil {
			g.logger.Warn("releasing the refresh lease", zap.Error(err))
		}
	}()
	// The work must end while the lease is still ours.
	ctx, cancel := context.WithDeadline(ctx, lease.Deadline())
	defer cancel()
	// Another instance may have refreshed between our load and our lease: read the store,
	// not a cache that may not have heard of it yet.
	cur, err := g.sessions.LoadFresh(ctx, ticket)
	if err != nil {
		return nil, fmt.Errorf("reloading the session: %w", err)
	}
	if !g.refreshDue(cur) {
		return cur, nil
	}
	p := g.idpOf(cur)
	if p == nil {
		g.metrics.Refresh(RefreshEnded)
		g.endSession(ctx, ticket, cur, "its provider is no longer configured")
		return nil, errSessionEnded
	}
	tok, err := p.rp.Refresh(ctx, cur.RefreshToken)
	if errors.Is(err, oidc.ErrInvalidGrant) {
		g.metrics.Refresh(RefreshEnded)
		g.endSession(ctx, ticket, cur, "refresh token refused")
		return nil, errSessionEnded
	}
	if err != nil {
		g.metrics.Refresh(RefreshFailed)
		g.logger.Warn("token refresh failed; keeping the session", zap.String("user_id", cur.UserID), zap.Error(err), kakaoErrorField(err))
		return cur, nil
	}
	if tok.IDToken != "" {
		// A refreshed ID token must name the same person for the same client at the same issuer.
		if _, err := p.rp.Verify(ctx, tok.IDToken, oidc.VerifyOptions{Subject: p.subject(cur), MaxTokenAge: g.tokenMaxAge()}); err != nil {
			g.metrics.Refresh(RefreshEnded)
			g.logger.Warn("refreshed ID token rejected", zap.String("user_id", cur.UserID), zap.Error(err))
			g.endSession(ctx, ticket, cur, "refreshed ID token rejected")
			return nil, errSessionEnded
		}
		cur.IDToken = tok.IDToken
	}
	cur.AccessToken, cur.AccessExpiry = tok.AccessToken, tok.Expiry
	if tok.RefreshToken != "" {
		cur.RefreshToken, cur.RefreshExpiry = tok.RefreshToken, tok.RefreshExpiry
	}
	if len(tok.Scopes) > 0 {
		cur.Scopes = tok.Scopes
	}
	if err := g.sessions.Save(ctx, ticket, cur); err != nil {
		if errors.Is(err, session.ErrNotFound) {
			g.metrics.Refresh(RefreshEnded)
			return nil, errSessionEnded // revoked while we refreshed: stays revoked
		}
		g.metrics.Refresh(RefreshError)
		return nil, fmt.Errorf("saving the refreshed session: %w", err)
	}
	g.metrics.Refresh(RefreshRefreshed)
	g.logger.Debug("tokens refreshed", zap.String("user_id", cur.UserID))
	return cur, nil
}

// awaitRefresh serves a request that met another instance's refresh lease: a still-valid
// token is used as it is; an expired one waits briefly for the refreshed session.
func (g *Gateway) awaitRefresh(ctx context.Context, ticket session.Ticket, sess *session.Session) (*session.Session, error) {
	if g.now().Before(sess.AccessExpiry) {
		return sess, nil
	}
	fresh, err := g.sessions.WaitUntil(ctx, ticket, refreshWait, func(s *session.Session) bool {
		return s.AccessExpiry.After(sess.AccessExpiry)
	})
	switch {
	case err == nil:
		return fresh, nil
	case errors.Is(err, session.ErrNotFound):
		return nil, errSessionEnded
	case errors.Is(err, context.DeadlineExceeded):
		return sess, nil
	default:
		return nil, err
	}
}

// endSession deletes a session the provider no longer honours.
func (g *Gateway) endSession(ctx context.Context, ticket session.Ticket, sess *session.Session, why string) {
	if err := g.sessions.Delete(ctx, ticket, sess.UserID); err != nil {
		g.logger.Error("ending a session", zap.String("user_id", sess.UserID), zap.String("reason", why), zap.Error(err))
		return
	}
	g.logger.Info("session ended", zap.String("user_id", sess.UserID), zap.String("reason", why))
}

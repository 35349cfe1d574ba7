package gateway

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/oidc"
	"github.com/kakaogate/kakaogate/session"
)

const (
	// maxLogoutRequestBody caps the body of a back-channel logout request (one form field
	// holding a signed token of at most 16 KiB).
	maxLogoutRequestBody = 32 << 10
	// sourceBackchannel names back-channel logouts in logs.
	sourceBackchannel = "backchannel"
	// maxRememberedLogoutTokens bounds the replay memory of back-channel logout tokens.
	maxRememberedLogoutTokens = 10000
	// logoutTokenMemory is how long a logout token's jti is remembered: longer than a token
	// can be accepted (MaxLogoutTokenAge plus clock leeway).
	logoutTokenMemory = oidc.MaxLogoutTokenAge + 2*time.Minute
)

// serveBackchannelLogout handles POST <prefix>/backchannel-logout (the main provider, with
// provider oidc) and <prefix>/backchannel-logout/<name> (an additional provider): OpenID
// Connect Back-Channel Logout 1.0. The provider posts a signed logout_token; a valid one ends
// every session of the user it names (by sub, or by a sid the gateway linked to its user at
// login) and is answered 200; anything else is answered 400 and ends nothing. A token seen
// before is answered 200 again and ends nothing more.
func (g *Gateway) serveBackchannelLogout(w http.ResponseWriter, r *http.Request, p *idp) {
	if !p.generic(g.cfg) {
		g.notFound(w, r)
		return
	}
	if !g.allowMethods(w, r, http.MethodPost) {
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxLogoutRequestBody)
	err := r.ParseForm()
	raw := r.PostForm["logout_token"]
	if err == nil && len(raw) != 1 {
		err = errors.New("the request has no single logout_token form field")
	}
	var lt *oidc.LogoutToken
	if err == nil {
		lt, err = p.rp.VerifyLogoutToken(r.Context(), raw[0])
	}
	if errors.Is(err, oidc.ErrProviderUnavailable) {
		g.fail(w, r, problem{Status: http.StatusServiceUnavailable, Code: "provider_unavailable",
			Title: msgProviderDownTitle, Detail: msgRetryLater}, err)
		return
	}
	if err != nil {
		g.fail(w, r, problem{Status: http.StatusBadRequest, Code: "invalid_request",
			Title: msgBadRequestTitle, Detail: msgBadRequestDetail}, err)
		return
	}
	replayKey := lt.Issuer + "\x00" + lt.ID
	if g.logoutTokens.seen(replayKey, g.now()) {
		g.logger.Info("back-channel logout token seen before; nothing more to end", zap.String("request_id", g.requestID(r)))
		g.logoutDone(w)
		return
	}
	userID := p.userID(lt.Subject)
	if lt.Subject == "" {
		userID, err = g.sessions.Resolve(r.Context(), sidLinkName(lt.Issuer, lt.SessionID))
		if errors.Is(err, session.ErrNotFound) {
			g.logger.Info("back-channel logout names a provider session with no session here", zap.String("request_id", g.requestID(r)))
			g.logoutTokens.remember(replayKey, g.now())
			g.logoutDone(w)
			return
		}
		if err != nil {
			g.storeUnavailable(w, r, err)
			return
		}
	}
	if _, _, err := g.revokeUser(r, userID, sourceBackchannel); err != nil {
		g.revocationFailed(w, r) // not remembered: the provider's retry is processed
		return
	}
	g.logoutTokens.remember(replayKey, g.now())
	g.logoutDone(w)
}

// logoutDone is the answer to a processed back-channel logout: 200, never cached.
func (g *Gateway) logoutDone(w http.ResponseWriter) {
	setNoStore(w.Header())
	w.WriteHeader(http.StatusOK)
}

// createSession stores sess as a new session. For a generic OpenID provider, its session id
// (the ID token's sid claim) is first linked to the user, so that a back-channel logout naming
// only that sid finds whose sessions to end; a login whose link cannot be stored fails.
func (g *Gateway) createSession(ctx context.Context, sess *session.Session) (session.Ticket, error) {
	sid := sess.Claims["sid"]
	if p := g.idpOf(sess); sid != "" && p != nil && p.generic(g.cfg) {
		if err := g.sessions.Link(ctx, sidLinkName(sess.Issuer, sid), sess.UserID, time.Duration(g.cfg.SessionLifetime)); err != nil {
			return session.Ticket{}, err
		}
	}
	return g.sessions.Create(ctx, sess)
}

// generic reports whether p is a generic OpenID Connect provider (not the main Kakao one):
// only those have back-channel and RP-initiated logout.
func (p *idp) generic(cfg *config.Config) bool {
	return p.extra || cfg.Provider == config.ProviderOIDC
}

// sidLinkName names the link from a provider session to its user.
func sidLinkName(issuer, sid string) string { return "sid\x00" + issuer + "\x00" + sid }

// tokenMemory remembers recently processed logout tokens (by issuer and jti) so a replayed
// one ends nothing more. It is per process and bounded; its zero value is ready to use.
type tokenMemory struct {
	mu    sync.Mutex
	until map[string]time.Time // key → when it is forgotten
}

// seen reports whether key was remembered and has not been forgotten by now.
func (m *tokenMemory) seen(key string, now time.Time) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	until, ok := m.until[key]
	return ok && now.Before(until)
}

// remember records key until logoutTokenMemory from now, first dropping forgotten keys
// when the memory is full; if it is still full, key is not recorded.
func (m *tokenMemory) remember(key string, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.until == nil {
		m.until = make(map[string]time.Time)
	}
	if len(m.until) >= maxRememberedLogoutTokens {
		for k, until := range m.until {
			if !now.Before(until) {
				delete(m.until, k)
			}
		}
	}
	if len(m.until) < maxRememberedLogoutTokens {
		m.until[key] = now.Add(logoutTokenMemory)
	}
}

// Package gateway implements kakaogate's HTTP flows independently of Caddy: the login
// redirect, the callback, sessions, identity headers for the upstream, logout, the /me
// endpoint and forward auth for other proxies (<prefix>/verify). Caddy glue (package caddymodule) builds a Gateway from the configuration and hands
// it every request together with the next handler.
package gateway

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
	"golang.org/x/sync/singleflight"

	"github.com/kakaogate/kakaogate/assertion"
	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/internal/secret"
	"github.com/kakaogate/kakaogate/oidc"
	"github.com/kakaogate/kakaogate/oidc/kakao"
	"github.com/kakaogate/kakaogate/session"
)

// Next is the rest of the handler chain: the upstream application.
type Next func(http.ResponseWriter, *http.Request) error

// Options are everything a Gateway needs. Config must have had SetDefaults and Validate.
type Options struct {
	// Config is the validated configuration.
	Config *config.Config
	// RP is the OpenID Connect relying party for the provider.
	RP *oidc.Client
	// Kakao calls Kakao's user, logout and unlink APIs; nil unless the provider is kakao.
	Kakao *kakao.API
	// Sessions keeps sessions in the configured store.
	Sessions *session.Manager
	// Logger receives the gateway's log lines. Default: no logging.
	Logger *zap.Logger
	// Now is the clock. Default: time.Now.
	Now func() time.Time
	// RequestID returns the id shown on error pages and logged with them; it must return the
	// same id for every call with one request. Default: a random id drawn once per request.
	RequestID func(*http.Request) string
	// OnIdentity, when set, is called for every request that goes upstream with a session,
	// with the session's claims (Caddy uses it to set {http.auth.user.*} placeholders).
	OnIdentity func(r *http.Request, claims map[string]string)
	// Revoker ends every session of a user, queueing and retrying while the store is down
	// (unlink, its webhook, admin revocation, back-channel logout); with a journal the queue
	// is on disk and replayed on the first request. Default: a one-shot DeleteUser, whose
	// failure is answered 503.
	Revoker *session.Revoker
	// Locker grants the lease that lets one gateway instance at a time refresh a session's
	// tokens. Without it tokens are never refreshed.
	Locker session.Locker
	// Assertion, when set, signs the X-Auth-Assertion header and publishes <prefix>/jwks.json.
	Assertion *assertion.Signer
	// Protects, when set, selects the requests that need a login; the others go upstream
	// anonymously (still stripped of client-sent identity headers). Default: every request.
	Protects func(r *http.Request) (bool, error)
	// Metrics counts logins, refreshes and revocations. Default: nothing is counted.
	Metrics Metrics
	// Providers are offered next to the main provider (RP) on the login page, each with its
	// own callback <prefix>/callback/<name>. Default: none, only the main provider.
	Providers []Provider
	// OriginalURL returns the URL the client asked for, before any rewrite (Caddy's original
	// request): the endpoints and the return path after a login are read from it. Without
	// it, the request's URL.
	OriginalURL func(*http.Request) *url.URL
	// TrustedProxy reports whether r comes from a proxy whose X-Forwarded-* headers may be
	// believed (Caddy: the trusted_proxies server option). <prefix>/verify reads the original
	// request from them only then. Default: no peer is trusted.
	TrustedProxy func(*http.Request) bool
	// ClientIP returns the client's address, under which its failed code exchanges are
	// counted (Caddy's client_ip). Default: the connection's address.
	ClientIP func(*http.Request) string
}

// Gateway serves the gateway's endpoints and guards every other request.
type Gateway struct {
	cfg        *config.Config
	kakao      *kakao.API
	sessions   *session.Manager
	logger     *zap.Logger
	now        func() time.Time
	requestID  func(*http.Request) string
	onIdentity func(*http.Request, map[string]string)
	protects   func(*http.Request) (bool, error)
	randomIDs  bool // requestID reads the id ServeHTTP drew for the request
	revoker    *session.Revoker
	policy     accessPolicy
	assertion  *assertion.Signer
	locker     session.Locker
	refreshes  singleflight.Group
	metrics    Metrics
	idps       []*idp // the primary provider first
	// bearer resolves Authorization: Bearer tokens; nil when bearer access is off.
	bearer        *bearerResolver
	bearerMetrics BearerMetrics
	// conns keeps the long-lived connections passed upstream, to close them when their
	// session ends (conns.go); nil when the store announces no session ends.
	conns *connRegistry
	// logoutTokens remembers processed back-channel logout tokens (replays end nothing).
	logoutTokens tokenMemory

	// ctx ends with Close; background work (on_unlink deliveries) stops with it.
	ctx          context.Context
	cancel       context.CancelFunc
	background   sync.WaitGroup
	notifySlots  chan struct{}
	notifyClient *http.Client

	cookies cookieNames
	codecs  codecs
	headers identityHeaders
	pages   *template.Template
	pageCSP string
	prefix  string // path prefix followed by a slash

	identity       chainIdentity // what the other gateways on a request must share (chain)
	warnedInsecure atomic.Bool   // insecure_cookies off loopback was logged
	// composed: a request may meet another gateway besides this one (Composed).
	composed     atomic.Bool
	originalURL  func(*http.Request) *url.URL
	trustedProxy func(*http.Request) bool
	clientAddr   func(*http.Request) string
	tickets      *ticketMemo      // session cookies opened lately (ticketmemo.go)
	exchanges    *exchangeLimiter // failed code exchanges; nil when unlimited
	cookieLog    *zap.Logger      // the logger, sampled: for bad-cookie lines
}

// New builds a Gateway. It does no network I/O.
func New(o Options) (*Gateway, error) {
	if o.Config == nil || o.RP == nil || o.Sessions == nil {
		return nil, errors.New("gateway: config, relying party and sessions are required")
	}
	cfg := o.Config
	cs, err := newCodecs(secret.Bytes(cfg.CookieSecrets), time.Duration(cfg.SessionLifetime))
	if err != nil {
		return nil, fmt.Errorf("gateway: cookie keys: %w", err)
	}
	idps, err := newIdps(cfg, o.RP, o.Providers)
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	pages, err := loadPages(cfg.Templates)
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	g := &Gateway{
		cfg:          cfg,
		kakao:        o.Kakao,
		sessions:     o.Sessions,
		logger:       o.Logger,
		now:          o.Now,
		requestID:    o.RequestID,
		onIdentity:   o.OnIdentity,
		protects:     o.Protects,
		revoker:      o.Revoker,
		assertion:    o.Assertion,
		locker:       o.Locker,
		metrics:      o.Metrics,
		idps:         idps,
		policy:       accessPolicy(cfg.Allow),
		cookies:      newCookieNames(!cfg.InsecureCookies, cfg.CookieDomain),
		codecs:       cs,
		headers:      newIdentityHeaders(cfg.Headers),
		pages:        pages,
		pageCSP:      pageCSP(issuers(idps)...),
		prefix:       cfg.PathPrefix + "/",
		originalURL:  o.OriginalURL,
		trustedProxy: o.TrustedProxy,
		clientAddr:   o.ClientIP,
		tickets:      newTicketMemo(),
	}
	g.identity = newChainIdentity(cfg, o.Sessions, g.cookies.prefix)
	if g.logger == nil {
		g.logger = zap.NewNop()
	}
	if g.now == nil {
		g.now = time.Now
	}
	g.exchanges = newExchangeLimiter(cfg.FailedExchanges, g.now)
	g.cookieLog = sampledLogger(g.logger)
	if g.metrics == nil {
		g.metrics = noMetrics{}
	}
	if g.requestID == nil {
		g.requestID, g.randomIDs = contextRequestID, true
	}
	if err := g.setUpBearer(); err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	g.setUpConns()
	g.ctx, g.cancel = context.WithCancel(context.Background())
	g.notifySlots = make(chan struct{}, maxNotifyInFlight)
	g.notifyClient = &http.Client{
		Timeout:       notifyTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return g, nil
}

// Start does the work that must not wait for a first request, once the configuration starts
// (never while it is only validated): it replays the revocation journal, so that an instance
// that gets no traffic still applies the revocations it queued before a crash, which other
// instances would otherwise keep serving. A failure is logged; ServeHTTP tries again on every
// request, and no session is answered for meanwhile.
func (g *Gateway) Start() {
	if g.revoker == nil {
		return
	}
	if err := g.revoker.Ready(); err != nil {
		g.logger.Error("revocation journal: replay failed; sessions are refused until it succeeds", zap.Error(err))
	}
}

// Close stops the gateway's background work and waits for it to end.
func (g *Gateway) Close() {
	if g.bearer != nil {
		g.bearer.stopWatching()
	}
	if g.conns != nil {
		g.conns.close()
	}
	g.cancel()
	g.background.Wait()
}

// ServeHTTP answers the gateway's own endpoints under the path prefix and guards every other
// request: with a verified session it goes to next with identity headers; without one it is
// sent to log in (browsers) or refused with 401 (everything else).
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request, next Next) error {
	if g.randomIDs {
		r = withRequestID(r)
	}
	if g.revoker != nil {
		// Start replayed the revocation journal; a gateway that was not started, or whose
		// replay failed, replays it on the first request of any kind (one atomic load
		// afterwards). A failure is not this request's: every session load fails closed until
		// it succeeds.
		_ = g.revoker.Ready()
	}
	r, ch, first := g.joinChain(r)
	if !first {
		if setting := ch.identity.differs(g.identity); setting != "" {
			g.chainConflict(w, r, setting)
			return nil
		}
	}
	path := g.requestURL(r).Path
	if endpoint, ok := strings.CutPrefix(path, g.prefix); ok {
		g.serveEndpoint(w, r, endpoint)
		return nil
	}
	if path == g.cfg.PathPrefix {
		g.notFound(w, r)
		return nil
	}
	g.stripClientHeaders(r, ch, first)
	if g.protects != nil {
		needed, err := g.protects(r)
		if err != nil {
			g.fail(w, r, problem{Status: http.StatusBadRequest, Code: "bad_request", Title: msgBadRequestTitle, Detail: msgBadRequestDetail}, err)
			return nil
		}
		if !needed {
			g.passOn(r)
			return next(w, r)
		}
	}
	return g.protect(w, r, next)
}

func (g *Gateway) serveEndpoint(w http.ResponseWriter, r *http.Request, endpoint string) {
	switch endpoint {
	case "login":
		g.serveLogin(w, r)
	case "callback":
		g.serveCallback(w, r, g.primary())
	case "logout":
		g.serveLogout(w, r)
	case "signed-out":
		g.serveSignedOut(w, r)
	case "logout/callback":
		g.serveLogoutCallback(w, r)
	case "me":
		g.serveMe(w, r)
	case "verify":
		g.serveVerify(w, r)
	case "consent":
		g.serveConsent(w, r)
	case "unlink":
		g.serveUnlink(w, r)
	case "signup":
		g.serveSignup(w, r)
	case "webhook/unlink":
		g.serveUnlinkWebhook(w, r)
	case "admin/revoke":
		g.serveAdminRevoke(w, r)
	case "backchannel-logout":
		g.serveBackchannelLogout(w, r, g.primary())
	case "jwks.json":
		g.serveJWKS(w, r)
	case "healthz":
		g.serveHealthz(w, r)
	case "readyz":
		g.serveReadyz(w, r)
	default:
		if name, ok := strings.CutPrefix(endpoint, "callback/"); ok {
			if p := g.idpNamed(name); p != nil && p.extra {
				g.serveCallback(w, r, p)
				return
			}
		}
		if name, ok := strings.CutPrefix(endpoint, "backchannel-logout/"); ok {
			if p := g.idpNamed(name); p != nil && p.extra {
				g.serveBackchannelLogout(w, r, p)
				return
			}
		}
		g.notFound(w, r)
	}
}

func (g *Gateway) notFound(w http.ResponseWriter, r *http.Request) {
	g.fail(w, r, problem{
		Status: http.StatusNotFound, Code: "not_found",
		Title:  msgNotFoundTitle,
		Detail: msgNotFoundDetail,
	}, nil)
}

// allowMethods answers 405 unless r uses one of methods.
func (g *Gateway) allowMethods(w http.ResponseWriter, r *http.Request, methods ...string) bool {
	for _, m := range methods {
		if r.Method == m {
			return true
		}
	}
	w.Header().Set("Allow", strings.Join(methods, ", "))
	g.fail(w, r, problem{
		Status: http.StatusMethodNotAllowed, Code: "method_not_allowed",
		Title: msgMethodTitle, Detail: msgMethodDetail,
	}, nil)
	return false
}

// pageCSP is the Content-Security-Policy of the gateway's pages: no scripts at all, inline
// styles only, forms may post only to this site (and, for account logout, which redirects
// there, the providers' origins).
func pageCSP(issuers ...string) string {
	formAction := "'self'"
	for _, issuer := range issuers {
		if u, err := url.Parse(issuer); err == nil && u.Host != "" && !strings.Contains(formAction, " "+u.Scheme+"://"+u.Host) {
			formAction += " " + u.Scheme + "://" + u.Host
		}
	}
	return "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action " +
		formAction + "; frame-ancestors 'none'; base-uri 'none'"
}

// requestIDKey is the context key of the id withRequestID draws for a request.
type requestIDKey struct{}

// withRequestID gives r a random id, so that every log line and error page of one request
// shows the same id (without Options.RequestID).
func withRequestID(r *http.Request) *http.Request {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return r.WithContext(context.WithValue(r.Context(), requestIDKey{}, hex.EncodeToString(b[:])))
}

// contextRequestID is the default Options.RequestID: the id withRequestID gave r.
func contextRequestID(r *http.Request) string {
	id, _ := r.Context().Value(requestIDKey{}).(string)
	return id
}

package gateway

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/session"
)

// A request may meet several gateways on its way upstream: `kakaogate @vip {…}` and
// `kakaogate @members {…}` in one route, a site-wide one and a route-specific one, one in a
// handle block after one at the top. They compose through the request's chain:
//
//   - each sees the gateway cookies as the client sent them, though the gateway before it
//     stripped them from the request it passed on (the app never sees them);
//   - the session is read, verified and refreshed once, by the first that needs it, and the
//     others use that result;
//   - client-sent identity headers are removed by the first gateway (and a later one removes
//     those of its own header names no earlier gateway knew), never the ones a gateway set;
//   - each adds its own requirement (matcher, allow, require_scope, optional);
//   - they must agree on what a session is: providers, path prefix, cookies, secrets and store.
//     A later gateway that does not refuses the request with a page and a log line naming
//     the setting (see chainIdentity.differs).
type chain struct {
	identity *chainIdentity // the first gateway's (compared, never changed)
	cookies  []string       // the Cookie lines as the client sent them, once a gateway stripped them
	// parsed are the cookies of parsedLines, as net/http reads them (cookiesOf).
	parsed      []*http.Cookie
	parsedLines []string
	parsedOK    bool
	headers     [][]config.HeaderClaim // the header names of each gateway met so far
	// headerSets backs headers for the usual one or two gateways, sparing an allocation.
	headerSets [2][]config.HeaderClaim

	// bearer is the client's bearer token, read by the first gateway that accepts bearer
	// tokens (it removes the Authorization header before the request goes on).
	bearerRead, hasBearer bool
	bearer                string

	// tracked: a gateway passed the request on as a long-lived one, tracked (serveLongLived).
	tracked bool

	loaded  bool // the session below is the request's, whatever the gateway that read it
	ticket  session.Ticket
	sess    *session.Session
	loadErr error
}

type chainKey struct{}

// chainIdentity is what every gateway on one request must share: the settings
// docs/caddyfile.md tells to set once for a site. Secrets are kept as digests.
type chainIdentity struct {
	provider, issuer, clientID, prefix, cookiePrefix, cookieDomain, sessionCookie string
	// sessions is the pooled Manager: one per store and session_lifetime, idle_timeout and
	// max_sessions_per_user (the Caddy module's store key).
	sessions                           *session.Manager
	secrets, clientSecret, extraBlocks [sha256.Size]byte
}

func newChainIdentity(cfg *config.Config, sessions *session.Manager, cookiePrefix string) chainIdentity {
	blocks, _ := json.Marshal(cfg.Providers) // plain strings and slices: it cannot fail
	return chainIdentity{
		provider: cfg.Provider, issuer: cfg.Issuer, clientID: cfg.ClientID, prefix: cfg.PathPrefix,
		cookiePrefix: cookiePrefix, cookieDomain: cfg.CookieDomain, sessionCookie: cfg.SessionCookie,
		sessions:     sessions,
		secrets:      sha256.Sum256([]byte(strings.Join(cfg.CookieSecrets, "\x00"))),
		clientSecret: sha256.Sum256([]byte(cfg.ClientSecret)),
		extraBlocks:  sha256.Sum256(blocks),
	}
}

// differs names the first setting in which later differs from first, "" when none does.
func (first chainIdentity) differs(later chainIdentity) string {
	both := func(a, b string) string { return " (" + cmp.Or(a, "none") + " before, " + cmp.Or(b, "none") + " here)" }
	switch {
	case first.provider != later.provider:
		return "provider" + both(first.provider, later.provider)
	case first.issuer != later.issuer:
		return "issuer" + both(first.issuer, later.issuer)
	case first.clientID != later.clientID:
		return "client_id" + both(first.clientID, later.clientID)
	case first.clientSecret != later.clientSecret:
		return "client_secret"
	case first.extraBlocks != later.extraBlocks:
		return "provider <name> { … } blocks"
	case first.prefix != later.prefix:
		return "path_prefix" + both(first.prefix, later.prefix)
	case first.cookiePrefix != later.cookiePrefix:
		return "cookie names, from insecure_cookies and cookie_domain" + both(first.cookiePrefix, later.cookiePrefix)
	case first.cookieDomain != later.cookieDomain:
		return "cookie_domain" + both(first.cookieDomain, later.cookieDomain)
	case first.secrets != later.secrets:
		return "cookie_secret"
	case first.sessionCookie != later.sessionCookie:
		return "session_cookie" + both(first.sessionCookie, later.sessionCookie)
	case first.sessions != later.sessions:
		return "session (the store, session_lifetime, idle_timeout or max_sessions_per_user)"
	}
	return ""
}

// SessionIdentity is what a gateway's session is: providers, client, path prefix, cookies,
// secrets and store. Gateways that may meet on one request must have equal ones; the
// Caddy module compares them when the configuration is loaded, the chain on each request.
type SessionIdentity struct{ id chainIdentity }

// SessionIdentity returns g's session identity, to compare with other gateways' (Differs).
func (g *Gateway) SessionIdentity() SessionIdentity { return SessionIdentity{g.identity} }

// Differs names the first setting in which later differs from first, e.g. "path_prefix
// (/.auth before, /auth2 here)", and "" when none does: the rule the request chain applies.
func (first SessionIdentity) Differs(later SessionIdentity) string {
	return first.id.differs(later.id)
}

// joinChain returns r carrying the request's chain and reports whether g is the first
// gateway on it.
func (g *Gateway) joinChain(r *http.Request) (*http.Request, *chain, bool) {
	if ch, ok := r.Context().Value(chainKey{}).(*chain); ok {
		return r, ch, false
	}
	ch := &chain{identity: &g.identity}
	ch.headers = ch.headerSets[:0]
	return r.WithContext(context.WithValue(r.Context(), chainKey{}, ch)), ch, true
}

// chainOf returns r's chain; nil outside ServeHTTP.
func chainOf(r *http.Request) *chain {
	ch, _ := r.Context().Value(chainKey{}).(*chain)
	return ch
}

// stripClientHeaders removes the identity headers a client sent: all of them at the first
// gateway; at a later one, those of its header names no earlier gateway strips (the others
// may hold what an earlier gateway set). Every gateway also removes the names it owns from
// Connection, Proxy-Connection and the trailers (see shieldHopByHop).
func (g *Gateway) stripClientHeaders(r *http.Request, ch *chain, first bool) {
	if first {
		g.headers.strip(r.Header)
	} else {
		for _, m := range g.headers.mappings {
			if !hasIdentityPrefix(m.Header) && !ch.knowsHeader(m.Header) {
				delete(r.Header, m.Header)
			}
		}
	}
	ch.headers = append(ch.headers, g.headers.mappings)
	g.headers.shieldHopByHop(r)
}

func (ch *chain) knowsHeader(name string) bool {
	for _, set := range ch.headers {
		for _, m := range set {
			if m.Header == name {
				return true
			}
		}
	}
	return false
}

// passOn removes the gateway's cookies from r before it goes on, keeping the client's
// Cookie lines in the chain for the gateways after this one.
func (g *Gateway) passOn(r *http.Request) {
	var parsed []*http.Cookie
	if ch := chainOf(r); ch != nil && ch.cookies == nil {
		parsed = ch.cookiesOf(r) // r's own lines: nothing has stripped them yet
		ch.cookies = append([]string{}, r.Header["Cookie"]...)
	}
	g.cookies.stripGatewayCookies(r, parsed)
}

// clientCookie returns the value of the client's cookie called name, as the first gateway
// on the request saw it: r.Cookie(name)'s answer, from cookies parsed once per request.
func (g *Gateway) clientCookie(r *http.Request, name string) (string, bool) {
	var cookies []*http.Cookie
	if ch := chainOf(r); ch != nil {
		cookies = ch.cookiesOf(r)
	} else {
		cookies = r.Cookies()
	}
	for _, c := range cookies {
		if c.Name == name {
			return c.Value, true
		}
	}
	return "", false
}

// cookiesOf returns the client's cookies (net/http's parsing of the Cookie lines the first
// gateway saw), parsing them again only when the lines changed: the session, the signed-out
// marker and the loop count are read from one parse.
func (ch *chain) cookiesOf(r *http.Request) []*http.Cookie {
	lines := r.Header["Cookie"]
	if ch.cookies != nil {
		lines = ch.cookies
	}
	if !ch.parsedOK || !slices.Equal(ch.parsedLines, lines) {
		if ch.cookies != nil {
			ch.parsed = (&http.Request{Header: http.Header{"Cookie": lines}}).Cookies()
		} else {
			ch.parsed = r.Cookies()
		}
		ch.parsedLines, ch.parsedOK = lines, true
	}
	return ch.parsed
}

// requestURL is the URL the client asked for, before any rewrite (handle_path, try_files):
// the gateway's endpoints and the return path after a login are read from it.
func (g *Gateway) requestURL(r *http.Request) *url.URL {
	if g.originalURL != nil {
		if u := g.originalURL(r); u != nil {
			return u
		}
	}
	return r.URL
}

// chainConflict refuses a request whose gateways disagree on what a session is: the
// configuration must change, and serving it could only loop or leak.
func (g *Gateway) chainConflict(w http.ResponseWriter, r *http.Request, setting string) {
	g.fail(w, r, problem{Status: http.StatusInternalServerError, Code: "misconfigured",
		Title: msgSomethingWrong, Detail: msgRetryLater},
		chainConflictError(setting))
}

type chainConflictError string

func (e chainConflictError) Error() string {
	return "two kakaogate handlers on this request differ in " + string(e) +
		": give every kakaogate handler of a site the same provider, path_prefix, cookie_secret and session " +
		"(set them once in the global kakaogate option); they may differ in matcher, allow, require_scope, optional, header and templates"
}

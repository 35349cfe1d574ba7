package kakaotest

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Caps on the in-memory maps: a long-running dev emulator must not grow
// without bound. When a map is full, expired entries go first, then the ones
// closest to expiry.
const (
	maxPending  = 10000
	maxSessions = 10000
	maxCodes    = 10000
	maxTokens   = 100000
	maxBody     = 64 << 10
)

// Emulator is a local Kakao Login (kauth and kapi on one base URL). It is an
// [net/http.Handler]; use [New] to embed it or [NewServer] to run it on a
// free loopback port. Its methods are the test hooks; all are safe for
// concurrent use.
type Emulator struct {
	opts     Options
	basePath string // the Issuer's path, stripped from request paths
	secure   bool   // the Issuer is https: the account cookie is Secure
	keys     *keyring
	webhook  *http.Client
	routes   map[string]http.HandlerFunc
	offset   atomic.Int64 // clock offset added by Advance, in nanoseconds

	mu       sync.Mutex
	users    map[int64]*userState
	talkUser int64
	talkAuth time.Time                  // when the talk user "signed in"
	sessions map[string]*accountSession // Kakao Account sessions by cookie value
	pending  map[string]*authRequest    // authorize requests waiting for login/consent
	logouts  map[string]*logoutRequest  // bridge pages waiting for a choice
	codes    map[string]*authCode       // unused authorization codes
	grants   map[string]*grant          // logins, by refresh token
	access   map[string]*accessToken    // access tokens
	calls    map[string]int             // requests per path
	faults   map[string]*Fault          // injected faults per path
}

// New returns an emulator for opts (see [Options] for the defaults). It
// fails when a setting cannot work, naming the field.
func New(opts Options) (*Emulator, error) {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	keys, err := newKeyring()
	if err != nil {
		return nil, err
	}
	issuer, _ := url.Parse(opts.Issuer) // validated above
	e := &Emulator{
		opts:     opts,
		basePath: strings.TrimRight(issuer.Path, "/"),
		secure:   issuer.Scheme == "https",
		keys:     keys,
		webhook:  opts.WebhookClient,
		users:    make(map[int64]*userState, len(opts.Users)),
		talkUser: opts.TalkUserID,
		sessions: make(map[string]*accountSession),
		pending:  make(map[string]*authRequest),
		logouts:  make(map[string]*logoutRequest),
		codes:    make(map[string]*authCode),
		grants:   make(map[string]*grant),
		access:   make(map[string]*accessToken),
		calls:    make(map[string]int),
		faults:   make(map[string]*Fault),
	}
	if e.webhook == nil {
		e.webhook = newWebhookClient(opts.WebhookTimeout, opts.WebhookAllowNonLoopback)
	}
	for _, u := range opts.Users {
		e.users[u.ID] = &userState{user: u, agreed: make(map[string]time.Time), consentItems: opts.ConsentItems}
	}
	e.talkAuth = e.now()
	e.routes = map[string]http.HandlerFunc{
		"/.well-known/openid-configuration": e.handleDiscovery,
		"/.well-known/jwks.json":            e.handleJWKS,
		"/oauth/authorize":                  e.handleAuthorize,
		pathLogin:                           e.handleLogin,
		pathConsent:                         e.handleConsent,
		"/oauth/token":                      e.handleToken,
		"/oauth/logout":                     e.handleAccountLogout,
		"/v2/user/me":                       e.handleUserMe,
		"/v1/oidc/userinfo":                 e.handleOIDCUserinfo,
		pathAccessTokenInfo:                 e.handleAccessTokenInfo,
		"/v1/user/logout":                   e.handleLogout,
		"/v1/user/unlink":                   e.handleUnlink,
		"/v1/user/signup":                   e.handleSignup,
		"/v2/user/scopes":                   e.handleScopes,
		pathTalkMemo:                        e.handleTalkMemo,
		"/emulator/talk_user":               e.handleTalkUser,
		"/emulator/unlink":                  e.handleEmulatorUnlink,
	}
	return e, nil
}

// Issuer returns the emulator's base URL, the ID token iss.
func (e *Emulator) Issuer() string { return e.opts.Issuer }

// ClientID returns the app's REST API key.
func (e *Emulator) ClientID() string { return e.opts.ClientID }

// Close releases the webhook client's idle connections. The emulator keeps
// working after Close; it owns no goroutines.
func (e *Emulator) Close() {
	e.webhook.CloseIdleConnections()
}

// ServeHTTP serves the emulator's endpoints below the Issuer's path. It
// counts every request (see [Emulator.Calls]) and applies injected faults
// (see [Emulator.SetFault]) before routing.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path, ok := strings.CutPrefix(r.URL.Path, e.basePath)
	if !ok || (path != "" && path[0] != '/') {
		http.NotFound(w, r)
		return
	}
	if path == "" {
		path = "/"
	}
	e.count(path)
	if e.applyFault(w, r, path) {
		return
	}
	h, ok := e.routes[path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	h(w, r)
}

// now is the emulator's clock: Options.Now plus the Advance offset.
func (e *Emulator) now() time.Time {
	return e.opts.Now().Add(time.Duration(e.offset.Load()))
}

// url returns the absolute URL of an emulator path.
func (e *Emulator) url(path string) string {
	return e.opts.Issuer + path
}

// path returns the request path of an emulator path (for forms and cookies).
func (e *Emulator) path(path string) string {
	return e.basePath + path
}

// randomToken returns n random bytes, base64url without padding.
func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go ≥ 1.24)
	return base64.RawURLEncoding.EncodeToString(b)
}

// itoa formats a user id.
func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// prune makes room in m for one more entry: when m holds max entries or
// more it drops the expired ones, then those closest to expiry.
func prune[V any](m map[string]V, max int, expiry func(V) time.Time, now time.Time) {
	if len(m) < max {
		return
	}
	for k, v := range m {
		if !expiry(v).After(now) {
			delete(m, k)
		}
	}
	for len(m) >= max {
		var oldest string
		var at time.Time
		for k, v := range m {
			if oldest == "" || expiry(v).Before(at) {
				oldest, at = k, expiry(v)
			}
		}
		delete(m, oldest)
	}
}

// addQuery returns raw (a registered, absolute URI) with params appended to
// its query in order; empty values are left out. Spaces are encoded %20, as
// in Kakao's error_description=User%20denied%20access.
func addQuery(raw string, params [][2]string) string {
	var b strings.Builder
	b.WriteString(raw)
	sep := "?"
	if strings.Contains(raw, "?") {
		sep = "&"
	}
	for _, p := range params {
		if p[1] == "" {
			continue
		}
		b.WriteString(sep)
		b.WriteString(queryEscape(p[0]))
		b.WriteByte('=')
		b.WriteString(queryEscape(p[1]))
		sep = "&"
	}
	return b.String()
}

// queryEscape escapes a query component with %20 for spaces.
func queryEscape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

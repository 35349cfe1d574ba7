// Package oidctest is a small, configurable fake OpenID provider for tests:
// discovery, JWKS, an authorization endpoint that approves at once, a token
// endpoint that checks client authentication, redirect_uri and PKCE S256,
// refresh, and userinfo. Every answer can be made wrong one way at a time
// (faults, mutators, algorithms, keys), and every call is counted and
// recorded, so tests can also assert what the relying party did not do.
//
// It listens on loopback only and is closed by the test's cleanup.
package oidctest

import (
	"crypto/rand"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"
)

// Endpoint names one of the fake provider's endpoints.
type Endpoint string

// The fake provider's endpoints and their paths below the issuer.
const (
	Discovery Endpoint = "/.well-known/openid-configuration"
	JWKSURI   Endpoint = "/jwks"
	Authorize Endpoint = "/authorize"
	Token     Endpoint = "/token"
	UserInfo  Endpoint = "/userinfo"
	// EndSession is the RP-Initiated Logout endpoint (see logout.go).
	EndSession Endpoint = "/logout"
)

// endpoints lists every Endpoint.
var endpoints = []Endpoint{Discovery, JWKSURI, Authorize, Token, UserInfo, EndSession}

// Options configures a Server. The zero value is a working provider.
type Options struct {
	// ClientID and ClientSecret are the registered client.
	// Defaults: "test-client" and "test-secret".
	ClientID, ClientSecret string
	// RedirectURIs are the registered redirect URIs, matched exactly.
	// Default: any redirect URI is accepted.
	RedirectURIs []string
	// PostLogoutRedirectURIs are the registered post_logout_redirect_uri
	// values of the end_session_endpoint, matched exactly. Default: any.
	PostLogoutRedirectURIs []string
	// AuthMethods are the token endpoint authentication methods advertised
	// and accepted. Default: ["client_secret_post"].
	AuthMethods []string
	// SigningAlgs is the advertised id_token_signing_alg_values_supported.
	// Default: ["RS256"].
	SigningAlgs []string
	// IssuerPath is appended to the server's URL to form the issuer, e.g.
	// "/realms/test". Default: "" (the issuer is the bare URL).
	IssuerPath string
	// TLS serves https with httptest's certificate; use Server.HTTPClient.
	TLS bool
	// IssParameter advertises authorization_response_iss_parameter_supported
	// and adds iss to authorization responses (RFC 9207).
	IssParameter bool
	// Subject is the user who logs in. Default: "user-1".
	Subject string
	// Claims are added to every ID token; UserInfo to every userinfo answer.
	Claims, UserInfo map[string]any
	// Keys are the initial JWKS; the first one signs. Default: one fresh
	// RSA-2048 key with kid "key-1".
	Keys []*Key
	// RotateRefreshTokens issues a new refresh token on every refresh and
	// invalidates the old one.
	RotateRefreshTokens bool
	// TokenLifetime is expires_in and the ID token lifetime. Default: 10m.
	TokenLifetime time.Duration
	// Now is the provider's clock. Default: time.Now.
	Now func() time.Time
}

// Fault makes one endpoint misbehave. Delay is applied first; Header is
// added to the answer; when Status or Body is set, the answer is replaced
// by Status (default 200) and Body.
type Fault struct {
	// Status replaces the status code (200 when only Body is set).
	Status int
	// Body replaces the body, byte for byte (e.g. garbage, 10 MB, `{"keys":[]}`).
	Body []byte
	// Header is added to the answer (e.g. Cache-Control, Location).
	Header http.Header
	// Delay holds the answer back; it ends early when the client gives up.
	Delay time.Duration
}

// Request is a recorded call.
type Request struct {
	// Method is the HTTP method.
	Method string
	// URL is the request URL as received (path and query).
	URL *url.URL
	// Header is a copy of the request headers.
	Header http.Header
	// Form is the query for GET, the parsed body for POST.
	Form url.Values
}

// Server is the fake provider. Its setters may be called while the relying
// party is using it.
type Server struct {
	// Issuer is the issuer identifier (URL + IssuerPath).
	Issuer string
	// ClientID and ClientSecret are the registered client.
	ClientID, ClientSecret string

	ts   *httptest.Server
	opts Options

	mu              sync.Mutex
	keys            []*Key
	signer          *Key
	alg             string
	hmacKey         []byte
	faults          map[Endpoint]Fault
	counts          map[Endpoint]int
	requests        map[Endpoint][]Request
	authorizeError  string
	mutateClaims    func(map[string]any)
	mutateHeader    func(map[string]any)
	mutateDiscovery func(map[string]any)
	mutateToken     func(map[string]any)
	mutateUserInfo  func(map[string]any)
	codes           map[string]*grant
	refreshTokens   map[string]*grant
	accessTokens    map[string]*grant
}

// grant is what a code, access token or refresh token stands for.
type grant struct {
	redirectURI, challenge, nonce, scope, subject string
	expires                                       time.Time
	used                                          bool
}

// NewServer starts a fake provider on a loopback port and closes it when
// the test ends.
func NewServer(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.ClientID == "" {
		opts.ClientID = "test-client"
	}
	if opts.ClientSecret == "" {
		opts.ClientSecret = "test-secret"
	}
	if opts.AuthMethods == nil {
		opts.AuthMethods = []string{"client_secret_post"}
	}
	if opts.SigningAlgs == nil {
		opts.SigningAlgs = []string{"RS256"}
	}
	if opts.Subject == "" {
		opts.Subject = "user-1"
	}
	if opts.TokenLifetime <= 0 {
		opts.TokenLifetime = 10 * time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if len(opts.Keys) == 0 {
		opts.Keys = []*Key{NewRSAKey("key-1")}
	}
	s := &Server{
		ClientID:      opts.ClientID,
		ClientSecret:  opts.ClientSecret,
		opts:          opts,
		keys:          slices.Clone(opts.Keys),
		signer:        opts.Keys[0],
		alg:           "RS256",
		faults:        map[Endpoint]Fault{},
		counts:        map[Endpoint]int{},
		requests:      map[Endpoint][]Request{},
		codes:         map[string]*grant{},
		refreshTokens: map[string]*grant{},
		accessTokens:  map[string]*grant{},
	}
	if a := opts.Keys[0].Alg; a != "" {
		s.alg = a
	}
	mux := http.NewServeMux()
	for _, e := range endpoints {
		mux.HandleFunc(opts.IssuerPath+string(e), s.handler(e))
	}
	if opts.TLS {
		s.ts = httptest.NewTLSServer(mux)
	} else {
		s.ts = httptest.NewServer(mux)
	}
	t.Cleanup(s.ts.Close)
	s.Issuer = s.ts.URL + opts.IssuerPath
	return s
}

// URL returns the absolute URL of endpoint e.
func (s *Server) URL(e Endpoint) string { return s.Issuer + string(e) }

// HTTPClient returns a client that trusts the server (needed with TLS).
func (s *Server) HTTPClient() *http.Client { return s.ts.Client() }

// SetFault makes e misbehave as f until ClearFault.
func (s *Server) SetFault(e Endpoint, f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults[e] = f
}

// ClearFault makes e behave again.
func (s *Server) ClearFault(e Endpoint) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.faults, e)
}

// Count returns how many requests e has received.
func (s *Server) Count(e Endpoint) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts[e]
}

// Requests returns the requests e has received, oldest first.
func (s *Server) Requests(e Endpoint) []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests[e])
}

// MutateClaims sets a hook that edits the claims of every ID token the
// server issues (token endpoint and IssueIDToken); nil removes it.
func (s *Server) MutateClaims(f func(claims map[string]any)) { s.set(func() { s.mutateClaims = f }) }

// MutateHeader sets a hook that edits the JOSE header of every token the
// server signs, after alg and kid are set; nil removes it.
func (s *Server) MutateHeader(f func(header map[string]any)) { s.set(func() { s.mutateHeader = f }) }

// MutateDiscovery sets a hook that edits the discovery document.
func (s *Server) MutateDiscovery(f func(doc map[string]any)) { s.set(func() { s.mutateDiscovery = f }) }

// MutateToken sets a hook that edits successful token endpoint answers.
func (s *Server) MutateToken(f func(resp map[string]any)) { s.set(func() { s.mutateToken = f }) }

// MutateUserInfo sets a hook that edits userinfo answers.
func (s *Server) MutateUserInfo(f func(claims map[string]any)) {
	s.set(func() { s.mutateUserInfo = f })
}

// SetAuthorizeError makes the authorization endpoint redirect back with
// error=code instead of a code; "" restores approval.
func (s *Server) SetAuthorizeError(code string) { s.set(func() { s.authorizeError = code }) }

// SetSigningAlg chooses how tokens are signed: "RS256", "PS256", "ES256",
// "EdDSA" with the signing key, "HS256"/"HS512" with the HMAC key (default:
// the signing key's public PEM, the confusion attack), or "none".
func (s *Server) SetSigningAlg(alg string) { s.set(func() { s.alg = alg }) }

// SetHMACKey sets the secret used for HS* signing.
func (s *Server) SetHMACKey(k []byte) { s.set(func() { s.hmacKey = slices.Clone(k) }) }

// SetKeys replaces the JWKS with keys; signer (which need not be among
// them) signs from now on.
func (s *Server) SetKeys(signer *Key, keys ...*Key) {
	s.set(func() { s.signer, s.keys = signer, slices.Clone(keys) })
}

// RotateKey replaces the JWKS with a fresh RSA key of the given kid that
// signs from now on, and returns it.
func (s *Server) RotateKey(kid string) *Key {
	k := NewRSAKey(kid)
	s.SetKeys(k, k)
	return k
}

// set runs f under the lock.
func (s *Server) set(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f()
}

// Claims returns the good default ID token claims for nonce ("" omits it):
// iss, aud, sub, iat=now, exp=now+TokenLifetime, auth_time, plus
// Options.Claims.
func (s *Server) Claims(nonce string) map[string]any {
	now := s.opts.Now()
	c := map[string]any{
		"iss":       s.Issuer,
		"aud":       s.ClientID,
		"sub":       s.opts.Subject,
		"iat":       now.Unix(),
		"exp":       now.Add(s.opts.TokenLifetime).Unix(),
		"auth_time": now.Unix(),
	}
	if nonce != "" {
		c["nonce"] = nonce
	}
	maps.Copy(c, s.opts.Claims)
	return c
}

// IssueIDToken returns a signed ID token as the token endpoint would issue
// it: Claims(nonce), then the claims hook, then SignIDToken.
func (s *Server) IssueIDToken(nonce string) string {
	c := s.Claims(nonce)
	s.mu.Lock()
	mutate := s.mutateClaims
	s.mu.Unlock()
	if mutate != nil {
		mutate(c)
	}
	return s.SignIDToken(c)
}

// SignIDToken signs claims with the current algorithm and signing key:
// header alg, kid (when the key has one) and typ JWT, then the header
// hook. It panics on a signing failure (test helper).
func (s *Server) SignIDToken(claims map[string]any) string {
	return s.signTyped("JWT", claims)
}

// signTyped signs claims with the current algorithm, signing key and header hook under the
// given header typ.
func (s *Server) signTyped(typ string, claims map[string]any) string {
	s.mu.Lock()
	alg, signer, hook, hmacKey := s.alg, s.signer, s.mutateHeader, s.hmacKey
	s.mu.Unlock()
	if hmacKey == nil && signer != nil {
		hmacKey = signer.PublicKeyPEM()
	}
	h := map[string]any{"alg": alg, "typ": typ}
	if signer != nil && signer.ID != "" {
		h["kid"] = signer.ID
	}
	if hook != nil {
		hook(h)
	}
	tok, err := Sign(alg, signer, hmacKey, h, claims)
	if err != nil {
		panic(err)
	}
	return tok
}

// newSecret returns a fresh unguessable value with a readable prefix.
func newSecret(prefix string) string {
	return prefix + "-" + rand.Text()
}

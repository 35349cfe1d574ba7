// Package caddymodule is kakaogate's Caddy glue: the http.handlers.kakaogate module, its
// Caddyfile directive and global option, and the {http.auth.user.*} placeholders. The HTTP
// flows themselves live in package gateway.
package caddymodule

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/kakaogate/kakaogate/assertion"
	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/gateway"
	"github.com/kakaogate/kakaogate/internal/secret"
	"github.com/kakaogate/kakaogate/oidc"
	"github.com/kakaogate/kakaogate/oidc/kakao"
)

func init() {
	caddy.RegisterModule(Handler{})
}

// assertionIssuer is the "iss" of every X-Auth-Assertion; its "aud" is the site's host.
const assertionIssuer = "kakaogate"

// Handler is kakaogate: an authentication gateway that gives the site behind it "Login with
// Kakao" (or any OpenID Connect provider). Requests without a session are sent to log in
// (browsers) or refused with 401 (APIs); requests with a verified session go on with the
// person's identity in request headers, and client-sent copies of those headers are removed.
// Its own endpoints live under path_prefix (default /.auth): login, callback, logout, me.
//
// For a request with a session it sets the placeholder `{http.auth.user.id}` to the user id
// (so Caddy's access log records it as user_id) and `{http.auth.user.<claim>}` for every
// claim of the session, e.g. `{http.auth.user.nickname}`.
type Handler struct {
	config.Config

	// Protect selects the requests that need a login, with Caddy's request matchers (the
	// Caddyfile's `kakaogate @name` writes it; sets are OR'ed, matchers in a set AND'ed).
	// Requests it does not select go on anonymously, still without any client-sent identity
	// header; the gateway's own endpoints under path_prefix are always served. Default: every
	// request needs a login.
	Protect caddyhttp.RawMatcherSets `json:"protect,omitempty" caddy:"namespace=http.matchers"`

	protect     caddyhttp.MatcherSets
	scope       string // the protect matchers as configured, to name the handler
	gw          *gateway.Gateway
	logger      *zap.Logger
	storeKey    string
	providerKey string
	extraKeys   []string // providerPool keys of the additional providers
	metricsKey  string
	detachLogs  []func() // hand the pooled resources' log sinks back at Cleanup
}

// CaddyModule returns the Caddy module information.
func (Handler) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.kakaogate",
		New: func() caddy.Module { return new(Handler) },
	}
}

// Provision fills the handler in: it loads the protect matchers, expands placeholders in the
// options ({env.*}, {file.*}) and applies defaults; then, from options that are valid, it
// builds the gateway and acquires the resources it shares with other handlers. Options with a
// mistake are left unbuilt: Validate, which Caddy calls next, reports every mistake with its
// fix, and Cleanup releases whatever was acquired. Provision does no network I/O: discovery,
// key fetching and Redis connections happen on first use, so `caddy validate` works with the
// IdP down. Last, it joins its site (joinSite): a callback URL that would be plain http off
// this machine is refused, and so is a handler whose session settings differ from another's
// that a request may meet; the kakaogate app starts the gateway when the configuration
// starts (see App).
func (h *Handler) Provision(ctx caddy.Context) error {
	h.logger = ctx.Logger()
	h.scope = handlerScope(h.Protect)
	if h.Protect != nil {
		mods, err := ctx.LoadModule(h, "Protect")
		if err != nil {
			return fmt.Errorf("loading protect matchers: %w", err)
		}
		if err := h.protect.FromInterface(mods); err != nil {
			return fmt.Errorf("protect matchers: %w", err)
		}
	}
	h.expandPlaceholders()
	h.Config.SetDefaults()
	if h.Config.Validate() != nil {
		return nil // nothing is built from a mistake; Validate reports it
	}
	if err := h.build(ctx); err != nil {
		return err
	}
	return h.joinSite(ctx)
}

// Validate reports every mistake in the options, each naming the option and its fix. It only
// reads the handler, which Provision filled in with defaults and expanded placeholders.
func (h *Handler) Validate() error {
	if err := h.Config.Validate(); err != nil {
		return err
	}
	if h.gw == nil {
		return errors.New("the handler was not provisioned")
	}
	return nil
}

// build acquires the pooled metrics, session store and providers and builds the gateway from
// valid options.
func (h *Handler) build(ctx caddy.Context) error {
	cfg := &h.Config
	metrics, err := acquireMetrics(ctx.GetMetricsRegistry())
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	h.metricsKey = metricsKey
	if err := checkJournalDir(cfg.Session); err != nil {
		return fmt.Errorf("session store: %w", err)
	}
	store, storeKey, err := acquireStore(storeSettingsOf(cfg), metrics.observeStore)
	if err != nil {
		return fmt.Errorf("session store: %w", err)
	}
	h.storeKey = storeKey
	h.detachLogs = append(h.detachLogs, store.sink.attach(h.logger))
	idp, providerKey, err := acquireProvider(cfg.Issuer, h.providerOptions(metrics, cfg.Issuer))
	if err != nil {
		return fmt.Errorf("issuer: %w", err)
	}
	h.providerKey = providerKey
	h.detachLogs = append(h.detachLogs, idp.sink.attach(h.logger))
	extra, err := h.extraProviders(metrics)
	if err != nil {
		return err
	}
	rp := &oidc.Client{Provider: idp.provider, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, Scopes: cfg.Scopes}
	var kakaoAPI *kakao.API
	if cfg.Provider == config.ProviderKakao {
		rp.ScopeSeparator = ","
		kakaoAPI = &kakao.API{BaseURL: cfg.APIURL, HTTPClient: idp.client}
	}
	var signer *assertion.Signer
	if cfg.Assertion {
		if signer, err = assertion.NewSigner(secret.Bytes(cfg.CookieSecrets), assertion.Options{Issuer: assertionIssuer}); err != nil {
			return fmt.Errorf("assertion: %w", err)
		}
	}
	h.gw, err = gateway.New(gateway.Options{
		Config:       cfg,
		RP:           rp,
		Kakao:        kakaoAPI,
		Sessions:     store.sessions,
		Logger:       h.logger,
		RequestID:    requestID,
		OnIdentity:   setUserPlaceholders,
		Protects:     h.protects,
		Revoker:      store.revoker,
		Locker:       store.locker,
		Assertion:    signer,
		Metrics:      metrics,
		Providers:    extra,
		OriginalURL:  originalURL,
		TrustedProxy: trustedProxy,
		ClientIP:     clientIP,
	})
	return err // the gateway's errors say what they concern
}

// expandPlaceholders resolves global placeholders such as {env.KAKAO_CLIENT_SECRET} in the
// options that commonly carry secrets or deployment-specific values.
func (h *Handler) expandPlaceholders() {
	repl := caddy.NewReplacer()
	expand := func(s *string) { *s = repl.ReplaceKnown(*s, "") }
	c := &h.Config
	for _, s := range []*string{&c.ClientID, &c.ClientSecret, &c.Issuer, &c.APIURL, &c.RedirectURL,
		&c.AdminKey, &c.AppID, &c.AdminToken, &c.OnUnlink, &c.LoginHint, &c.Templates, &c.CookieDomain} {
		expand(s)
	}
	for i := range c.CookieSecrets {
		expand(&c.CookieSecrets[i])
	}
	for i := range c.Providers {
		p := &c.Providers[i]
		expand(&p.Issuer)
		expand(&p.ClientID)
		expand(&p.ClientSecret)
	}
	if c.Session != nil {
		expand(&c.Session.URL)
		expand(&c.Session.Username)
		expand(&c.Session.Password)
		expand(&c.Session.SentinelUsername)
		expand(&c.Session.SentinelPassword)
		for i := range c.Session.Addresses {
			expand(&c.Session.Addresses[i])
		}
	}
}

// providerOptions are the options of the pooled provider of issuer.
func (h *Handler) providerOptions(metrics *gatewayMetrics, issuer string) oidc.ProviderOptions {
	return oidc.ProviderOptions{
		Keys: oidc.KeySetOptions{OnFetch: metrics.jwksFetched(issuer)},
	}
}

// extraProviders acquires the providers of the provider blocks and builds their relying
// parties.
func (h *Handler) extraProviders(metrics *gatewayMetrics) ([]gateway.Provider, error) {
	var out []gateway.Provider
	for _, np := range h.Config.Providers {
		p, key, err := acquireProvider(np.Issuer, h.providerOptions(metrics, np.Issuer))
		if err != nil {
			return nil, fmt.Errorf("provider %s issuer: %w", np.Name, err)
		}
		h.extraKeys = append(h.extraKeys, key)
		h.detachLogs = append(h.detachLogs, p.sink.attach(h.logger))
		out = append(out, gateway.Provider{
			Name:  np.Name,
			Label: np.Label,
			RP:    &oidc.Client{Provider: p.provider, ClientID: np.ClientID, ClientSecret: np.ClientSecret, Scopes: np.Scopes},
		})
	}
	return out, nil
}

// Cleanup releases the shared store, providers and metrics. It is safe after a partial Provision.
func (h *Handler) Cleanup() error {
	if h.gw != nil {
		h.gw.Close()
		h.gw = nil
	}
	var errs []error
	if h.storeKey != "" {
		if _, err := storePool.Delete(h.storeKey); err != nil {
			errs = append(errs, err)
		}
		h.storeKey = ""
	}
	if h.providerKey != "" {
		if _, err := providerPool.Delete(h.providerKey); err != nil {
			errs = append(errs, err)
		}
		h.providerKey = ""
	}
	for _, key := range h.extraKeys {
		if _, err := providerPool.Delete(key); err != nil {
			errs = append(errs, err)
		}
	}
	h.extraKeys = nil
	for _, detach := range h.detachLogs { // after the releases: a last user's Destruct logs to it
		detach()
	}
	h.detachLogs = nil
	if h.metricsKey != "" { // last: pooled stores and providers report to the collectors
		if _, err := metricsPool.Delete(h.metricsKey); err != nil {
			errs = append(errs, err)
		}
		h.metricsKey = ""
	}
	return errors.Join(errs...)
}

// ServeHTTP hands the request to the gateway with the rest of the chain as next.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	return h.gw.ServeHTTP(w, r, next.ServeHTTP)
}

// protects reports whether r needs a login under the configured matchers.
func (h *Handler) protects(r *http.Request) (bool, error) {
	if len(h.protect) == 0 {
		return true, nil
	}
	return h.protect.AnyMatchWithError(r)
}

// userPlaceholderPrefix starts the placeholders of the session's claims.
const userPlaceholderPrefix = "http.auth.user."

// userIDPlaceholder is the placeholder Caddy's access log reads as user_id.
const userIDPlaceholder = userPlaceholderPrefix + "id"

// setUserPlaceholders sets {http.auth.user.id} and {http.auth.user.<claim>} for the request.
// The claims are looked up when a placeholder is read (Caddy's access log reads the id),
// which spares every request a map insert and a key string per claim. A value set earlier
// (a vars handler setting http.auth.user.id) is overwritten, as a Set would, and one set
// later wins, as it would over a Set.
func setUserPlaceholders(r *http.Request, claims map[string]string) {
	repl, ok := r.Context().Value(caddy.ReplacerCtxKey).(*caddy.Replacer)
	if !ok {
		return
	}
	if id, ok := claims["id"]; ok {
		if _, set := repl.Get(userIDPlaceholder); set {
			repl.Set(userIDPlaceholder, id)
		}
	}
	repl.Map(userClaims(claims).placeholder)
}

// userClaims answers {http.auth.user.<claim>} from a session's claims, which are never
// modified once loaded.
type userClaims map[string]string

func (c userClaims) placeholder(key string) (any, bool) {
	name, ok := strings.CutPrefix(key, userPlaceholderPrefix)
	if !ok {
		return nil, false
	}
	v, ok := c[name]
	return v, ok
}

// originalURL is the URL the client asked for, before handle_path, rewrite or try_files
// changed the request's.
func originalURL(r *http.Request) *url.URL {
	if orig, ok := r.Context().Value(caddyhttp.OriginalRequestCtxKey).(http.Request); ok && orig.URL != nil {
		return orig.URL
	}
	return r.URL
}

// trustedProxy reports whether Caddy's trusted_proxies server option trusts r's peer: only
// then does <prefix>/verify believe its X-Forwarded-* headers.
func trustedProxy(r *http.Request) bool {
	trusted, _ := caddyhttp.GetVar(r.Context(), caddyhttp.TrustedProxyVarKey).(bool)
	return trusted
}

// clientIP returns Caddy's client_ip: the client's address, after trusted_proxies.
func clientIP(r *http.Request) string {
	ip, _ := caddyhttp.GetVar(r.Context(), caddyhttp.ClientIPVarKey).(string)
	return ip
}

// requestID returns Caddy's request id ({http.request.uuid}), shown on error pages and logged.
func requestID(r *http.Request) string {
	repl, ok := r.Context().Value(caddy.ReplacerCtxKey).(*caddy.Replacer)
	if !ok {
		return ""
	}
	if v, ok := repl.Get("http.request.uuid"); ok {
		if s, ok := v.(string); ok {
			return s
		}
	}
	return ""
}

// Interface guards
var (
	_ caddy.Provisioner           = (*Handler)(nil)
	_ caddy.Validator             = (*Handler)(nil)
	_ caddy.CleanerUpper          = (*Handler)(nil)
	_ caddyhttp.MiddlewareHandler = (*Handler)(nil)
)

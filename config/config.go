// Package config holds kakaogate's plain configuration: the options a person writes in the
// Caddyfile (or JSON), their defaults and a Validate that explains every mistake in terms of the
// option to change. It imports nothing from Caddy so the gateway and tests can use it directly.
package config

import "time"

// Provider names accepted by the provider option.
const (
	ProviderKakao = "kakao"
	ProviderOIDC  = "oidc"
)

// Logout modes accepted by the logout option.
const (
	LogoutService = "service"
	LogoutAccount = "account"
)

// Session store kinds accepted by the session option.
const (
	StoreMemory        = "memory"
	StoreRedis         = "redis"
	StoreRedisCluster  = "redis_cluster"
	StoreRedisSentinel = "redis_sentinel"
)

// Defaults applied by SetDefaults.
const (
	DefaultKakaoIssuer     = "https://kauth.kakao.com"
	DefaultKakaoAPIURL     = "https://kapi.kakao.com"
	DefaultPathPrefix      = "/.auth"
	DefaultSessionLifetime = 24 * time.Hour
	DefaultPostLogout      = "/"
)

// Config is the complete configuration of one kakaogate handler.
type Config struct {
	// Provider selects the identity provider flavour: "kakao" (Kakao Login over OpenID Connect,
	// plus Kakao's user, logout and unlink APIs) or "oidc" (any standards-compliant OpenID
	// Connect issuer; no Kakao API is called). Default: kakao.
	Provider string `json:"provider,omitempty"`

	// ClientID is the OAuth client id. For Kakao it is the app's REST API key. Required.
	ClientID string `json:"client_id,omitempty"`

	// ClientSecret is the OAuth client secret (Kakao: [Kakao Login] > [Security] > Client
	// Secret). Placeholders such as {env.KAKAO_CLIENT_SECRET} are expanded at start-up.
	// Leave empty only when the provider does not require one.
	ClientSecret string `json:"client_secret,omitempty"`

	// Issuer is the OpenID Connect issuer; discovery is read from
	// <issuer>/.well-known/openid-configuration. It must be https, except for loopback hosts.
	// Default: https://kauth.kakao.com with provider kakao; required with provider oidc.
	Issuer string `json:"issuer,omitempty"`

	// APIURL is the base URL of Kakao's API server (user info, logout, unlink). Only used with
	// provider kakao. Default: https://kapi.kakao.com.
	APIURL string `json:"api_url,omitempty"`

	// Scopes are the scopes requested at login. With provider kakao and no scopes the
	// parameter is omitted and Kakao asks for the consent items configured in its console;
	// when scopes are given they must include "openid". Default for provider oidc:
	// openid profile email.
	Scopes []string `json:"scopes,omitempty"`

	// PropertyKeys limits the fields Kakao's /v2/user/me returns (e.g.
	// "kakao_account.email"). Default: every field the person agreed to.
	PropertyKeys []string `json:"property_keys,omitempty"`

	// RedirectURL is the absolute callback URL registered at the provider; its path must be
	// <path_prefix>/callback. Default: built from each request's scheme and host. Set it in
	// production so a forged Host header can never change it.
	RedirectURL string `json:"redirect_url,omitempty"`

	// PathPrefix is where the gateway's own endpoints live (login, callback, logout, me).
	// Default: /.auth.
	PathPrefix string `json:"path_prefix,omitempty"`

	// CookieSecrets seal the gateway's cookies. Each is at least 32 bytes; the first seals new
	// cookies and all of them open existing ones, so a new secret can be put first and an old
	// one dropped later. Hash and encryption keys are derived from each with HKDF. Required.
	CookieSecrets []string `json:"cookie_secrets,omitempty"`

	// InsecureCookies drops the Secure attribute (and the __Host- name prefix) from cookies so
	// login works over plain http. For local development only.
	InsecureCookies bool `json:"insecure_cookies,omitempty"`

	// Session selects where sessions are kept. Default: in memory (one machine only).
	Session *SessionStore `json:"session,omitempty"`

	// SessionLifetime is how long a login lasts before the person must log in again.
	// Default: 24h.
	SessionLifetime Duration `json:"session_lifetime,omitempty"`

	// Headers maps request headers set for the upstream to the claims they carry. When any is
	// given they replace the defaults: X-Auth-User-Id ← id, X-Auth-Nickname ← nickname,
	// X-Auth-Email ← email. Client-sent copies of these headers (and of every X-Auth-* header)
	// are always removed.
	Headers []HeaderClaim `json:"headers,omitempty"`

	// PassAccessToken forwards the session's current access token upstream as
	// X-Auth-Access-Token. Default: off.
	PassAccessToken bool `json:"pass_access_token,omitempty"`

	// Assertion adds X-Auth-Assertion, a short-lived JWT signed by the gateway with the
	// person's claims and the request's host; its public keys are at <prefix>/jwks.json.
	Assertion bool `json:"assertion,omitempty"`

	// Logout selects what logging out ends: "service" ends the gateway session and revokes
	// the Kakao token; "account" does the same and then sends the person to Kakao's logout
	// page, where they choose whether to end their Kakao Account session too.
	// Default: service.
	Logout string `json:"logout,omitempty"`

	// PostLogoutRedirect is the same-site path people land on after logging out. Default: /.
	PostLogoutRedirect string `json:"post_logout_redirect,omitempty"`

	// Templates is a directory of Go html/template files that replace the built-in pages
	// (error, confirm, signedout, login, consent, denied and providers, each <name>.html, and the
	// layout.html and icons.html blocks they share). A page the directory leaves out keeps its
	// built-in version. The files are checked when the configuration is loaded: each must
	// parse and every page must render. Default: the built-in pages.
	Templates string `json:"templates,omitempty"`

	// Providers are more OpenID Connect providers offered next to the main one (the top-level
	// provider, issuer and client options): a person without a session chooses one on the
	// login page. Each has its own redirect URI, <path_prefix>/callback/<name>. Default: none.
	Providers []NamedProvider `json:"providers,omitempty"`

	// AdminToken authorises `POST <prefix>/admin/revoke?user_id=<id>` with
	// `Authorization: Bearer <admin_token>`. Distinct from Kakao's admin key. At least 32 bytes.
	AdminToken string `json:"admin_token,omitempty"`

	// Bearer, when set (and not off), lets requests authenticate with
	// `Authorization: Bearer <token>` (native apps). Default: off.
	Bearer *BearerOptions `json:"bearer,omitempty"`

	LoginOptions
	SignupOptions
	AccessRules
	UnlinkOptions
	CookieOptions
	EdgeOptions
	SessionOptions
}

// HeaderClaim maps one upstream request header to one claim.
type HeaderClaim struct {
	// Header is the request header name, e.g. X-Auth-User-Id.
	Header string `json:"header"`
	// Claim is the claim whose value the header carries, e.g. id, nickname or email.
	Claim string `json:"claim"`
}

// SessionStore selects and addresses the session store.
type SessionStore struct {
	// Store is one of memory, redis, redis_cluster or redis_sentinel. Default: memory.
	Store string `json:"store,omitempty"`
	// URL is the Redis URL for store redis, e.g. redis://127.0.0.1:6379/0 or
	// rediss://user:pass@host:6380/0.
	URL string `json:"url,omitempty"`
	// Addresses are host:port seeds of a Redis Cluster, or the Sentinel addresses.
	Addresses []string `json:"addresses,omitempty"`
	// MasterName is the Sentinel master name for store redis_sentinel.
	MasterName string `json:"master_name,omitempty"`
	// Username authenticates to Redis Cluster or to the Sentinel-managed master.
	Username string `json:"username,omitempty"`
	// Password authenticates to Redis Cluster or to the Sentinel-managed master.
	Password string `json:"password,omitempty"`
	// NoCache turns off the in-process cache of sessions in front of Redis, so every
	// authenticated request reads Redis (one round trip). The cache serves a session loaded
	// in the last 5 seconds only while subscribed to the invalidations every instance
	// publishes, so logouts and revocations reach it within milliseconds. Redis stores only.
	// Default: the cache is on.
	NoCache bool `json:"no_cache,omitempty"`
}

// DefaultHeaders are the header mappings used when none are configured.
func DefaultHeaders() []HeaderClaim {
	return []HeaderClaim{
		{Header: "X-Auth-User-Id", Claim: "id"},
		{Header: "X-Auth-Nickname", Claim: "nickname"},
		{Header: "X-Auth-Email", Claim: "email"},
	}
}

// SetDefaults fills every unset option with its default.
func (c *Config) SetDefaults() {
	if c.Provider == "" {
		c.Provider = ProviderKakao
	}
	if c.Provider == ProviderKakao {
		if c.Issuer == "" {
			c.Issuer = DefaultKakaoIssuer
		}
		if c.APIURL == "" {
			c.APIURL = DefaultKakaoAPIURL
		}
	}
	if c.Provider == ProviderOIDC && len(c.Scopes) == 0 {
		c.Scopes = []string{"openid", "profile", "email"}
	}
	if c.PathPrefix == "" {
		c.PathPrefix = DefaultPathPrefix
	}
	if c.Session == nil {
		c.Session = &SessionStore{}
	}
	if c.Session.Store == "" {
		c.Session.Store = StoreMemory
	}
	if c.SessionLifetime == 0 {
		c.SessionLifetime = Duration(DefaultSessionLifetime)
	}
	if len(c.Headers) == 0 {
		c.Headers = DefaultHeaders()
	}
	if c.Logout == "" {
		c.Logout = LogoutService
	}
	if c.PostLogoutRedirect == "" {
		c.PostLogoutRedirect = DefaultPostLogout
	}
	c.LoginOptions.setDefaults(c.Provider)
	c.EdgeOptions.setDefaults()
	c.SessionOptions.setDefaults()
	c.setProviderDefaults()
}

// CallbackPath is the path of the redirect URI the provider sends people back to.
func (c *Config) CallbackPath() string { return c.PathPrefix + "/callback" }

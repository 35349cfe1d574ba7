package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/kakaogate/kakaogate/internal/secret"
	"github.com/kakaogate/kakaogate/internal/secureurl"
)

// Validate checks a configuration after SetDefaults and reports every problem it finds, each
// naming the option and how to fix it.
func (c *Config) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	switch c.Provider {
	case ProviderKakao, ProviderOIDC:
	default:
		add("provider %q is not supported: use kakao or oidc", c.Provider)
	}
	if c.ClientID == "" {
		add("client_id is required: set it to the app's REST API key (Kakao console: App > Platform keys), e.g. client_id {env.KAKAO_REST_API_KEY}")
	}
	if c.Issuer == "" {
		add("issuer is required with provider oidc: set it to the provider's issuer URL, e.g. issuer https://accounts.example.com")
	} else if _, err := secureurl.Parse(c.Issuer); err != nil {
		add("issuer %v", err)
	}
	if c.Provider == ProviderKakao {
		if _, err := secureurl.Parse(c.APIURL); err != nil {
			add("api_url %v", err)
		}
	}
	if len(c.Scopes) > 0 && !slices.Contains(c.Scopes, "openid") {
		add("scopes must include openid: add it to the scopes line (without it no ID token is issued)")
	}
	if err := c.validatePrefix(); err != nil {
		errs = append(errs, err)
	}
	if c.RedirectURL != "" {
		if err := c.validateRedirectURL(); err != nil {
			errs = append(errs, err)
		}
	}
	if len(c.CookieSecrets) == 0 {
		add("cookie_secret is required: set it to at least %d random bytes, e.g. cookie_secret {env.KAKAOGATE_SECRET} with the output of `openssl rand -base64 48`", secret.MinLen)
	}
	for i, s := range c.CookieSecrets {
		if len(s) < secret.MinLen {
			add("cookie_secret #%d must be at least %d bytes, not %d (is its environment variable set?)", i+1, secret.MinLen, len(s))
		}
	}
	if err := c.Session.validate(); err != nil {
		errs = append(errs, err)
	}
	if d := time.Duration(c.SessionLifetime); d < time.Minute {
		add("session_lifetime %s is too short: use at least 1m (default 24h)", d)
	}
	for _, h := range c.Headers {
		if !ValidHeaderName(h.Header) {
			add("header %q is not a valid header name: use letters, digits and dashes, e.g. X-Auth-User-Id", h.Header)
		}
		if h.Claim == "" {
			add("header %s has no claim: write header %s <claim>", h.Header, h.Header)
		}
	}
	switch c.Logout {
	case LogoutService, LogoutAccount:
	default:
		add("logout %q is not supported: use service or account", c.Logout)
	}
	if !IsLocalPath(c.PostLogoutRedirect) {
		add("post_logout_redirect %q must be a path on this site starting with /, e.g. /", c.PostLogoutRedirect)
	}
	errs = append(errs, c.validateOptions()...)
	errs = append(errs, ValidateProviders(c.Issuer, c.Providers))
	return errors.Join(errs...)
}

func (c *Config) validatePrefix() error {
	p := c.PathPrefix
	if !strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") || strings.ContainsAny(p, "?#*{} ") || len(p) < 2 {
		return fmt.Errorf("path_prefix %q must start with / and not end with one, e.g. /.auth", p)
	}
	return nil
}

func (c *Config) validateRedirectURL() error {
	u, err := url.Parse(c.RedirectURL)
	if err != nil || !u.IsAbs() || u.Host == "" {
		return fmt.Errorf("redirect_url %q must be an absolute URL such as https://app.example.com%s", c.RedirectURL, c.CallbackPath())
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return fmt.Errorf("redirect_url %q must use https", c.RedirectURL)
	}
	if u.Scheme == "http" && !c.InsecureCookies && !secureurl.IsLoopbackHost(u.Hostname()) {
		return fmt.Errorf("redirect_url %q: use https (behind a TLS proxy too: the URL browsers use); "+
			"plain http is for this machine (localhost) or, with insecure_cookies, a test setup: "+
			"browsers drop the gateway's Secure cookies on plain http, and every login would end on a \"link expired\" page", c.RedirectURL)
	}
	if u.Path != c.CallbackPath() {
		return fmt.Errorf("redirect_url path %q must be %s, where the gateway receives the callback", u.Path, c.CallbackPath())
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("redirect_url %q must not carry a query or fragment", c.RedirectURL)
	}
	return nil
}

// PlainHTTPCallback is the mistake of a callback URL built from requests (no redirect_url)
// that is plain http on host, not this machine, without insecure_cookies: browsers would drop
// the login's Secure cookie, and every login would end on a "link expired" page.
func PlainHTTPCallback(host string) error {
	return fmt.Errorf("the callback URL would be plain http on %s: set redirect_url to the https URL "+
		"browsers use (behind a TLS proxy), or serve the site over https; insecure_cookies is for test setups only: "+
		"browsers drop the gateway's Secure cookies on plain http, and every login would end on a \"link expired\" page", host)
}

func (s *SessionStore) validate() error {
	if s == nil {
		return nil // no session option: the memory store, as SetDefaults fills in
	}
	switch s.Store {
	case StoreMemory:
		if s.NoCache {
			return errors.New("session memory has no cache to turn off: remove cache off (it applies to the Redis stores)")
		}
	case StoreRedis:
		u, err := url.Parse(s.URL)
		if s.URL == "" || err != nil || (u.Scheme != "redis" && u.Scheme != "rediss" && u.Scheme != "unix") {
			return fmt.Errorf("session redis needs a URL such as redis://127.0.0.1:6379/0 (got %q)", s.URL)
		}
	case StoreRedisCluster:
		if len(s.Addresses) == 0 {
			return errors.New("session redis_cluster needs at least one host:port, e.g. session redis_cluster 10.0.0.1:7000 10.0.0.2:7000")
		}
	case StoreRedisSentinel:
		if s.MasterName == "" || len(s.Addresses) == 0 {
			return errors.New("session redis_sentinel needs the master name and at least one sentinel host:port, e.g. session redis_sentinel mymaster 10.0.0.1:26379")
		}
	default:
		return fmt.Errorf("session %q is not supported: use memory, redis, redis_cluster or redis_sentinel", s.Store)
	}
	for _, a := range s.Addresses {
		if _, _, err := net.SplitHostPort(a); err != nil {
			return fmt.Errorf("session address %q must be host:port", a)
		}
	}
	return s.validateConnection()
}

// IsLocalPath reports whether p is a path on this site: it starts with one slash and cannot
// be read by a browser as another origin (no //, no /\, no control characters).
func IsLocalPath(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	if len(p) > 1 && (p[1] == '/' || p[1] == '\\') {
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] < 0x20 || p[i] == 0x7f || p[i] == '\\' {
			return false
		}
	}
	return true
}

// ValidHeaderName reports whether name is a valid HTTP header field name (RFC 9110 token).
func ValidHeaderName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		ch := name[i]
		switch {
		case ch >= 'a' && ch <= 'z', ch >= 'A' && ch <= 'Z', ch >= '0' && ch <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", ch) >= 0:
		default:
			return false
		}
	}
	return true
}

// validateOptions checks the login, access, unlink, admin and upstream options.
func (c *Config) validateOptions() []error {
	errs := c.LoginOptions.validate(c.Provider)
	errs = append(errs, c.SignupOptions.validate(c.Provider)...)
	errs = append(errs, c.AccessRules.validate()...)
	errs = append(errs, c.UnlinkOptions.validate(c.Provider)...)
	errs = append(errs, c.CookieOptions.validate(c.InsecureCookies, c.RedirectURL)...)
	errs = append(errs, c.EdgeOptions.validate()...)
	errs = append(errs, c.SessionOptions.validate(time.Duration(c.SessionLifetime))...)
	errs = append(errs, c.validateBearer()...)
	if c.AdminToken != "" && len(c.AdminToken) < secret.MinLen {
		errs = append(errs, fmt.Errorf("admin_token must be at least %d bytes, not %d (e.g. the output of `openssl rand -base64 48`)", secret.MinLen, len(c.AdminToken)))
	}
	return errs
}

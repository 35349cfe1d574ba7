// Package caddyemulator serves the kakaotest Kakao Login emulator from
// Caddy as the HTTP handler kakao_emulator (module
// http.handlers.kakao_emulator), the way Caddy ships its development CA.
//
// FOR DEVELOPMENT AND TESTS ONLY. The emulator's login page lets anyone
// sign in as any test user by pressing a button, its /emulator/ control
// endpoints are unauthenticated, and all its state lives in memory. Never
// expose it where real users or real data are involved.
//
// Its state (users' links and consents, Kakao Account sessions, codes and
// tokens, signing keys) is shared through a [caddy.UsagePool] keyed by its
// configuration, so a config reload that keeps the same settings keeps the
// logged-in users.
package caddyemulator

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/kakaogate/kakaogate/kakaotest"
)

func init() {
	caddy.RegisterModule(Handler{})
}

// pool holds the emulators of every kakao_emulator handler, keyed by their
// settings, so reloads keep their state.
var pool = caddy.NewUsagePool()

// Handler is a terminal HTTP handler serving a local Kakao Login (the
// authorization server and the user APIs on one base URL) for development
// and tests only. See the package documentation before using it.
type Handler struct {
	// Issuer is the emulator's public base URL, e.g. http://127.0.0.1:9090:
	// the ID token iss and the base of every URL in its discovery document.
	// It is never taken from the request's Host header. A path in it (e.g.
	// http://127.0.0.1:8080/kakao) must be the path the handler sees: use
	// handle /kakao/*, not handle_path, which strips it. Required.
	Issuer string `json:"issuer,omitempty"`

	// ClientID is the emulated app's REST API key. Default: demo-rest-api-key.
	ClientID string `json:"client_id,omitempty"`

	// ClientSecret is the client secret the token endpoint requires.
	// Placeholders such as {env.KAKAO_CLIENT_SECRET} are expanded.
	// Default: demo-client-secret.
	ClientSecret string `json:"client_secret,omitempty"`

	// DisableClientSecret turns the client secret off: the token endpoint
	// then accepts requests without client_secret. Default: false.
	DisableClientSecret bool `json:"disable_client_secret,omitempty"`

	// AdminKey is the app's admin key, required by admin API calls
	// (Authorization: KakaoAK <key>) and sent with the unlink webhook.
	// Placeholders are expanded. Default: demo-admin-key.
	AdminKey string `json:"admin_key,omitempty"`

	// AppID is the app's numeric id, sent with the unlink webhook.
	// Default: 100001.
	AppID string `json:"app_id,omitempty"`

	// RedirectURIs are the registered redirect URIs; /oauth/authorize
	// accepts only these exact values. Default:
	// ["http://localhost:8080/.auth/callback"].
	RedirectURIs []string `json:"redirect_uris,omitempty"`

	// LogoutRedirectURIs are the registered logout redirect URIs of
	// /oauth/logout, matched exactly. Default:
	// ["http://localhost:8080/.auth/logout/callback"].
	LogoutRedirectURIs []string `json:"logout_redirect_uris,omitempty"`

	// WebhookURL receives the unlink webhook sent by POST
	// /emulator/unlink?user_id=<id>. Default:
	// http://localhost:8080/.auth/webhook/unlink.
	WebhookURL string `json:"webhook_url,omitempty"`

	// WebhookMethod is GET (parameters in the query) or POST (form body).
	// Default: POST.
	WebhookMethod string `json:"webhook_method,omitempty"`

	// WebhookFormat is the body of a POST webhook: form (default), json
	// (ids as strings) or json_numbers (ids as numbers).
	WebhookFormat string `json:"webhook_format,omitempty"`

	// WebhookAllowNonLoopback lets the webhook reach addresses other than
	// loopback ones. Default: false (loopback only).
	WebhookAllowNonLoopback bool `json:"webhook_allow_non_loopback,omitempty"`

	// DisableAutoLink models an app with Kakao's auto-link off: users stay
	// preregistered (has_signed_up false) until the app calls
	// /v1/user/signup. Default: false (auto-link on).
	DisableAutoLink bool `json:"disable_auto_link,omitempty"`

	// Scopes are the consent items requested when /oauth/authorize has no
	// scope parameter. Default: ["openid", "profile_nickname",
	// "profile_image", "account_email"].
	Scopes []string `json:"scopes,omitempty"`

	// ConsentItems are the app's consent items; a requested scope outside
	// them stops on Kakao's error page KOE205. Default: every item the
	// emulator knows.
	ConsentItems []string `json:"consent_items,omitempty"`

	// AppName is shown on the consent screen. Default: "kakaogate demo".
	AppName string `json:"app_name,omitempty"`

	// TalkUserID is the test user the KakaoTalk in-app browser (a
	// User-Agent containing KAKAOTALK) is signed in as at start; POST
	// /emulator/talk_user?id=<id> changes it at run time. Default: 1001.
	TalkUserID int64 `json:"talk_user_id,omitempty"`

	emulator *kakaotest.Emulator
	poolKey  string
}

// CaddyModule returns the Caddy module information.
func (Handler) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.kakao_emulator",
		New: func() caddy.Module { return new(Handler) },
	}
}

// Provision expands placeholders in the secrets, then gets the emulator
// for these settings from the pool (creating it, with a fresh RSA key, on
// first use). It makes no network calls.
func (h *Handler) Provision(ctx caddy.Context) error {
	repl := caddy.NewReplacer()
	h.ClientSecret = repl.ReplaceKnown(h.ClientSecret, "")
	h.AdminKey = repl.ReplaceKnown(h.AdminKey, "")
	if err := h.check(); err != nil {
		return err
	}
	ctx.Logger().Warn("kakao_emulator serves a fake Kakao Login for development and tests only: anyone can sign in as any test user",
		zap.String("issuer", h.Issuer))
	key, err := h.key()
	if err != nil {
		return err
	}
	opts := h.options()
	val, _, err := pool.LoadOrNew(key, func() (caddy.Destructor, error) {
		e, err := kakaotest.New(opts)
		if err != nil {
			return nil, err
		}
		return pooled{e}, nil
	})
	if err != nil {
		return fmt.Errorf("kakao_emulator: %w", err)
	}
	h.poolKey = key
	h.emulator = val.(pooled).Emulator
	return nil
}

// Validate checks the settings against each other (read-only).
func (h *Handler) Validate() error {
	return h.check()
}

// Cleanup releases the handler's reference to the pooled emulator. It is
// safe after a partial Provision.
func (h *Handler) Cleanup() error {
	if h.poolKey == "" {
		return nil
	}
	_, err := pool.Delete(h.poolKey)
	h.poolKey = ""
	return err
}

// ServeHTTP serves the emulator. It is a terminal handler: next is never
// called, every path is the emulator's (unknown ones answer 404).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request, _ caddyhttp.Handler) error {
	h.emulator.ServeHTTP(w, r)
	return nil
}

// check reports settings that cannot work, with the fix.
func (h *Handler) check() error {
	if h.Issuer == "" {
		return fmt.Errorf("kakao_emulator: issuer is required: set it to the emulator's public base URL, e.g. issuer http://127.0.0.1:9090")
	}
	u, err := url.Parse(h.Issuer)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("kakao_emulator: issuer %q must be an absolute http:// or https:// URL without query", h.Issuer)
	}
	if m := strings.ToUpper(h.WebhookMethod); m != "" && m != http.MethodGet && m != http.MethodPost {
		return fmt.Errorf("kakao_emulator: webhook_method %q must be GET or POST", h.WebhookMethod)
	}
	if h.TalkUserID != 0 && !isTestUser(h.TalkUserID) {
		return fmt.Errorf("kakao_emulator: talk_user %d is not a test user: use 1001, 1002, 1003 or 1004", h.TalkUserID)
	}
	for _, list := range [][]string{h.RedirectURIs, h.LogoutRedirectURIs, {h.WebhookURL}} {
		for _, raw := range list {
			if u, err := url.Parse(raw); raw != "" && (err != nil || !u.IsAbs() || u.Host == "") {
				return fmt.Errorf("kakao_emulator: %q must be an absolute URL", raw)
			}
		}
	}
	return nil
}

// isTestUser reports whether id is one of kakaotest's default users.
func isTestUser(id int64) bool {
	for _, u := range kakaotest.DefaultUsers() {
		if u.ID == id {
			return true
		}
	}
	return false
}

// options converts the settings to the emulator's options.
func (h *Handler) options() kakaotest.Options {
	return kakaotest.Options{
		Issuer:                  h.Issuer,
		ClientID:                h.ClientID,
		ClientSecret:            h.ClientSecret,
		DisableClientSecret:     h.DisableClientSecret,
		AdminKey:                h.AdminKey,
		AppID:                   h.AppID,
		RedirectURIs:            h.RedirectURIs,
		LogoutRedirectURIs:      h.LogoutRedirectURIs,
		WebhookURL:              h.WebhookURL,
		WebhookMethod:           h.WebhookMethod,
		WebhookAllowNonLoopback: h.WebhookAllowNonLoopback,
		DisableAutoLink:         h.DisableAutoLink,
		Scopes:                  h.Scopes,
		ConsentItems:            h.ConsentItems,
		AppName:                 h.AppName,
		WebhookFormat:           h.WebhookFormat,
		TalkUserID:              h.TalkUserID,
	}
}

// key is the pool key: a hash of the (expanded) settings, so handlers with
// the same settings share one emulator and secrets never sit in the key.
func (h *Handler) key() (string, error) {
	b, err := json.Marshal(h)
	if err != nil {
		return "", fmt.Errorf("kakao_emulator: hashing settings: %w", err)
	}
	sum := sha256.Sum256(b)
	return "kakao_emulator:" + hex.EncodeToString(sum[:]), nil
}

// pooled is a pooled emulator; Destruct runs when the last handler using
// it is cleaned up.
type pooled struct {
	*kakaotest.Emulator
}

// Destruct releases the emulator's idle connections.
func (p pooled) Destruct() error {
	p.Emulator.Close()
	return nil
}

// Interface guards.
var (
	_ caddy.Provisioner           = (*Handler)(nil)
	_ caddy.Validator             = (*Handler)(nil)
	_ caddy.CleanerUpper          = (*Handler)(nil)
	_ caddyhttp.MiddlewareHandler = (*Handler)(nil)
	_ caddy.Destructor            = pooled{}
)

package kakaotest

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Defaults used when the matching [Options] field is left empty. They match
// the demo set-up: a gateway on http://localhost:8080 with the path prefix
// /.auth.
const (
	DefaultClientID          = "demo-rest-api-key"
	DefaultClientSecret      = "demo-client-secret"
	DefaultAdminKey          = "demo-admin-key"
	DefaultAppID             = "100001"
	DefaultRedirectURI       = "http://localhost:8080/.auth/callback"
	DefaultLogoutRedirectURI = "http://localhost:8080/.auth/logout/callback"
	DefaultWebhookURL        = "http://localhost:8080/.auth/webhook/unlink"
	DefaultAppName           = "kakaogate demo"

	// DefaultAccessTokenTTL is the REST API key's access (and ID) token
	// lifetime as observed: expires_in 21599.
	DefaultAccessTokenTTL = 21599 * time.Second
	// DefaultRefreshTokenTTL is the refresh token lifetime as observed:
	// refresh_token_expires_in 5183999 (2 months).
	DefaultRefreshTokenTTL = 5183999 * time.Second
	// DefaultRefreshRotationWindow is "less than one month left": a refresh
	// grant rotates the refresh token only inside this window.
	DefaultRefreshRotationWindow = 30 * 24 * time.Hour
	// DefaultCodeTTL is the authorization code lifetime (not documented by
	// Kakao; 10 minutes is the common guess).
	DefaultCodeTTL = 10 * time.Minute
	// DefaultAccountSessionTTL is the Kakao Account browser session lifetime.
	DefaultAccountSessionTTL = 24 * time.Hour
	// DefaultWebhookTimeout is how long Kakao waits for the unlink webhook.
	DefaultWebhookTimeout = 3 * time.Second
	// DefaultTalkUserID is the user the KakaoTalk in-app browser is signed in as.
	DefaultTalkUserID int64 = 1001
)

// DefaultScopes are the items requested when /oauth/authorize has no scope
// parameter (Kakao asks for the consent items set to be asked at login); each
// must be one of Options.ConsentItems, or openid.
var DefaultScopes = []string{"openid", "profile_nickname", "profile_image", "account_email"}

// Options configure an [Emulator]. The zero value of every field means its
// default, so Options{} describes the demo app.
type Options struct {
	// Issuer is the emulator's public base URL (scheme, host, optional path,
	// no trailing slash), used for the ID token iss claim and every URL in the
	// discovery document; it is never derived from the request's Host header.
	// Required by [New]; [NewServer] sets it to the server's URL when empty.
	Issuer string

	// ClientID is the app's REST API key. Default: [DefaultClientID].
	ClientID string
	// ClientSecret is the client secret checked at the token endpoint.
	// Default: [DefaultClientSecret].
	ClientSecret string
	// DisableClientSecret turns the client secret off: the token endpoint
	// then ignores client_secret. Default: the secret is required.
	DisableClientSecret bool
	// AdminKey is the app's admin key (Authorization: KakaoAK <key>).
	// Default: [DefaultAdminKey].
	AdminKey string
	// AppID is the numeric app id reported by access_token_info and the
	// unlink webhook. Default: [DefaultAppID].
	AppID string

	// RedirectURIs are the registered redirect URIs, matched exactly.
	// Default: [DefaultRedirectURI].
	RedirectURIs []string
	// Apps are more app keys accepted besides the main one: a native app key of the
	// same app, or another Kakao app (see [App]). Default: none.
	Apps []App
	// LogoutRedirectURIs are the registered logout redirect URIs of
	// /oauth/logout, matched exactly. Default: [DefaultLogoutRedirectURI].
	LogoutRedirectURIs []string

	// WebhookURL receives the unlink webhook. Default: [DefaultWebhookURL].
	WebhookURL string
	// WebhookMethod is GET (query) or POST (form body). Default: POST.
	WebhookMethod string
	// WebhookFormat is how a POST webhook carries its fields: [WebhookForm]
	// (a form body), [WebhookJSON] (a JSON body, ids as strings) or
	// [WebhookJSONNumbers] (a JSON body, ids as numbers). A GET webhook
	// always uses the query. Default: [WebhookForm].
	WebhookFormat string
	// WebhookTimeout bounds one webhook delivery. Default: 3 s, as Kakao.
	WebhookTimeout time.Duration
	// WebhookAllowNonLoopback lets the default webhook client connect to
	// addresses other than loopback ones. Default: loopback only.
	WebhookAllowNonLoopback bool
	// WebhookClient, when set, delivers the webhook instead of the default
	// loopback-only client (whose timeout is WebhookTimeout and which never
	// follows redirects).
	WebhookClient *http.Client

	// DisableAutoLink models an app whose "auto-link" is off: users linked by
	// consent are preregistered (has_signed_up false) until the app calls
	// /v1/user/signup. Default: auto-link on (no has_signed_up field).
	DisableAutoLink bool
	// PropertyKeys are the app's custom user property keys defined in the
	// Kakao console: /v1/user/signup with a property outside them answers
	// -201 and links nobody. Default: every key is accepted.
	PropertyKeys []string

	// Scopes are the consent items requested when /oauth/authorize has no
	// scope parameter. Default: [DefaultScopes].
	Scopes []string
	// ConsentItems are the consent items set up for the app in the Kakao
	// console; a requested scope outside them (openid aside) stops on
	// Kakao's error page KOE205. Default: every item the emulator knows.
	ConsentItems []string
	// ErrorsWithoutState makes the error redirects of /oauth/authorize
	// (login_required, consent_required, access_denied, …) leave out the
	// state parameter. [unconfirmed] Kakao documents state on every
	// redirect, but OAuth providers have been seen to drop it from errors
	// of prompt=none requests; a client must still end such a login safely.
	// Default: false (state is always returned).
	ErrorsWithoutState bool
	// AppName is the app's name shown on the consent screen.
	// Default: [DefaultAppName].
	AppName string

	// AccessTokenTTL is the access and ID token lifetime.
	// Default: [DefaultAccessTokenTTL].
	AccessTokenTTL time.Duration
	// RefreshTokenTTL is the refresh token lifetime.
	// Default: [DefaultRefreshTokenTTL].
	RefreshTokenTTL time.Duration
	// RefreshRotationWindow: a refresh grant returns a new refresh token
	// (and kills the old one) only when the old one has less than this left.
	// Default: [DefaultRefreshRotationWindow].
	RefreshRotationWindow time.Duration
	// CodeTTL is the authorization code (and pending login) lifetime.
	// Default: [DefaultCodeTTL].
	CodeTTL time.Duration
	// AccountSessionTTL is the Kakao Account browser session lifetime.
	// Default: [DefaultAccountSessionTTL].
	AccountSessionTTL time.Duration

	// Users are the test users. Default: [DefaultUsers].
	Users []User
	// TalkUserID is the user the KakaoTalk in-app browser is signed in as.
	// Default: [DefaultTalkUserID].
	TalkUserID int64

	// Now is the clock. Default: time.Now. [Emulator.Advance] moves the
	// emulator's clock forward on top of it.
	Now func() time.Time
}

// withDefaults returns a copy of o with every empty field set to its default
// and the slices copied, so the caller's Options are never shared.
func (o Options) withDefaults() Options {
	o.Issuer = strings.TrimRight(o.Issuer, "/")
	setString(&o.ClientID, DefaultClientID)
	setString(&o.ClientSecret, DefaultClientSecret)
	setString(&o.AdminKey, DefaultAdminKey)
	setString(&o.AppID, DefaultAppID)
	setString(&o.WebhookURL, DefaultWebhookURL)
	setString(&o.WebhookMethod, http.MethodPost)
	o.WebhookMethod = strings.ToUpper(o.WebhookMethod)
	o.RedirectURIs = cloneOr(o.RedirectURIs, DefaultRedirectURI)
	o.Apps = cloneApps(o.Apps)
	o.LogoutRedirectURIs = cloneOr(o.LogoutRedirectURIs, DefaultLogoutRedirectURI)
	o.Scopes = cloneOr(o.Scopes, DefaultScopes...)
	o.ConsentItems = cloneOr(o.ConsentItems, catalogConsentItems()...)
	setString(&o.AppName, DefaultAppName)
	setString(&o.WebhookFormat, WebhookForm)
	setDuration(&o.AccessTokenTTL, DefaultAccessTokenTTL)
	setDuration(&o.RefreshTokenTTL, DefaultRefreshTokenTTL)
	setDuration(&o.RefreshRotationWindow, DefaultRefreshRotationWindow)
	setDuration(&o.CodeTTL, DefaultCodeTTL)
	setDuration(&o.AccountSessionTTL, DefaultAccountSessionTTL)
	setDuration(&o.WebhookTimeout, DefaultWebhookTimeout)
	if o.Users == nil {
		o.Users = DefaultUsers()
	} else {
		o.Users = append([]User(nil), o.Users...)
	}
	if o.TalkUserID == 0 {
		o.TalkUserID = DefaultTalkUserID
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// validate reports the first setting that cannot work, naming the field.
func (o Options) validate() error {
	if o.Issuer == "" {
		return errors.New("kakaotest: Issuer is required: the emulator's public base URL, e.g. http://127.0.0.1:9090")
	}
	u, err := url.Parse(o.Issuer)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("kakaotest: Issuer %q must be an absolute http(s) URL without query or fragment", o.Issuer)
	}
	for _, list := range []struct {
		name string
		uris []string
	}{{"RedirectURIs", o.RedirectURIs}, {"LogoutRedirectURIs", o.LogoutRedirectURIs}, {"WebhookURL", []string{o.WebhookURL}}} {
		for _, raw := range list.uris {
			if u, err := url.Parse(raw); err != nil || !u.IsAbs() || u.Host == "" {
				return fmt.Errorf("kakaotest: %s: %q is not an absolute URL", list.name, raw)
			}
		}
	}
	if err := o.validateApps(); err != nil {
		return err
	}
	if o.WebhookMethod != http.MethodGet && o.WebhookMethod != http.MethodPost {
		return fmt.Errorf("kakaotest: WebhookMethod %q must be GET or POST", o.WebhookMethod)
	}
	if err := o.validateScopes(); err != nil {
		return err
	}
	if !slices.Contains([]string{WebhookForm, WebhookJSON, WebhookJSONNumbers}, o.WebhookFormat) {
		return fmt.Errorf("kakaotest: WebhookFormat %q must be %s, %s or %s", o.WebhookFormat, WebhookForm, WebhookJSON, WebhookJSONNumbers)
	}
	if o.RefreshRotationWindow >= o.RefreshTokenTTL {
		return errors.New("kakaotest: RefreshRotationWindow must be shorter than RefreshTokenTTL")
	}
	seen := make(map[int64]bool, len(o.Users))
	for _, u := range o.Users {
		if u.ID <= 0 || seen[u.ID] {
			return fmt.Errorf("kakaotest: Users: id %d must be positive and unique", u.ID)
		}
		seen[u.ID] = true
	}
	if !seen[o.TalkUserID] {
		return fmt.Errorf("kakaotest: TalkUserID %d is not one of Users", o.TalkUserID)
	}
	return nil
}

// validateScopes checks that the consent items are known and that the
// default request asks only for consent items (and openid).
func (o Options) validateScopes() error {
	for _, s := range o.ConsentItems {
		if _, ok := lookupScope(s); !ok || s == scopeOpenID {
			return fmt.Errorf("kakaotest: ConsentItems: %q is not a consent item the emulator knows", s)
		}
	}
	for _, s := range o.Scopes {
		if _, ok := lookupScope(s); !ok {
			return fmt.Errorf("kakaotest: Scopes: unknown scope %q", s)
		}
		if s != scopeOpenID && !slices.Contains(o.ConsentItems, s) {
			return fmt.Errorf("kakaotest: Scopes: %q is not one of ConsentItems", s)
		}
	}
	return nil
}

// setString sets *s to def when it is empty.
func setString(s *string, def string) {
	if *s == "" {
		*s = def
	}
}

// setDuration sets *d to def when it is not positive.
func setDuration(d *time.Duration, def time.Duration) {
	if *d <= 0 {
		*d = def
	}
}

// cloneOr returns a copy of list, or def when list is empty.
func cloneOr(list []string, def ...string) []string {
	if len(list) == 0 {
		return append([]string(nil), def...)
	}
	return append([]string(nil), list...)
}

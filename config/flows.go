package config

// Auto-login modes accepted by the auto_login option.
const (
	AutoLoginKakaoTalk = "kakaotalk"
	AutoLoginOff       = "off"
)

// Signup modes accepted by the signup option.
const (
	SignupApp  = "app"
	SignupAuto = "auto"
)

// Prompt values accepted by the prompt option (interactive logins only).
const (
	PromptLogin         = "login"
	PromptSelectAccount = "select_account"
	PromptCreate        = "create"
)

// Prompts returns the accepted prompt values, in the order messages list them.
func Prompts() []string { return []string{PromptLogin, PromptSelectAccount, PromptCreate} }

// Flows holds the options of the Kakao flows: auto-login, optional routes, unlink and its
// webhook, refresh, additional consent, access rules, login options and the signed assertion.
type Flows struct {
	// AutoLogin is "kakaotalk" (a navigation from KakaoTalk's in-app browser without a session
	// first tries a silent login with prompt=none) or "off". Default: kakaotalk with provider
	// kakao, off otherwise.
	AutoLogin string `json:"auto_login,omitempty"`

	// Optional lets requests without a session through, anonymously, with
	// X-Auth-Status: anonymous (after one silent auto-login try in KakaoTalk's in-app browser);
	// with a session they get the identity headers and X-Auth-Status: authenticated.
	Optional bool `json:"optional,omitempty"`

	// AdminKey is the app's Kakao admin key; the unlink webhook must present it as
	// `Authorization: KakaoAK <admin key>`. Required for the webhook to be accepted.
	AdminKey string `json:"admin_key,omitempty"`

	// AppID is the Kakao app id the unlink webhook must name.
	AppID string `json:"app_id,omitempty"`

	// OnUnlink is a URL of the app that receives every unlink (webhook or unlink page) as a
	// POST of JSON {"user_id","referrer_type","source"}, so it can delete the person's data.
	OnUnlink string `json:"on_unlink,omitempty"`

	// AdminToken authorises `POST <prefix>/admin/revoke?user_id=<id>` with
	// `Authorization: Bearer <admin_token>`. Distinct from Kakao's admin key. At least 32 bytes.
	AdminToken string `json:"admin_token,omitempty"`

	// PassAccessToken forwards the session's current access token upstream as
	// X-Auth-Access-Token. Default: off.
	PassAccessToken bool `json:"pass_access_token,omitempty"`

	// RequireScopes are scopes every session must have been granted; a session lacking one is
	// sent to Kakao's additional-consent screen for the missing ones.
	RequireScopes []string `json:"require_scopes,omitempty"`

	// Allow lists access rules: every rule must match, and a rule matches when the claim
	// equals any of its values. The pseudo-claim email_domain matches the domain of a verified
	// email. A person who fails them gets a 403 page.
	Allow []AllowRule `json:"allow,omitempty"`

	// Prompt is passed on interactive logins: login, select_account or create. Never used for
	// the silent KakaoTalk auto-login.
	Prompt string `json:"prompt,omitempty"`

	// LoginHint pre-fills the login page's account field.
	LoginHint string `json:"login_hint,omitempty"`

	// ServiceTerms are Kakao Sync service term tags passed on authorize.
	ServiceTerms []string `json:"service_terms,omitempty"`

	// Signup decides what happens when auto-link is off and the person has not signed up yet
	// (has_signed_up false): "app" passes X-Auth-Signed-Up: false so the app can show its
	// terms and link the person; "auto" links them at login with Kakao's /v1/user/signup.
	// Default: app.
	Signup string `json:"signup,omitempty"`

	// Assertion adds X-Auth-Assertion, a short-lived JWT signed by the gateway with the
	// person's claims and the request's host; its public keys are at <prefix>/jwks.json.
	Assertion bool `json:"assertion,omitempty"`
}

// AllowRule is one access rule: the claim must equal one of the values.
type AllowRule struct {
	// Claim is the claim to test, or email_domain for the domain of a verified email.
	Claim string `json:"claim"`
	// Values are the accepted values, e.g. Kakao age ranges such as 20~29.
	Values []string `json:"values"`
}

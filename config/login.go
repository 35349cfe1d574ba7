package config

import (
	"fmt"
	"slices"
)

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

// LoginOptions say when and how people are sent to log in: the silent KakaoTalk auto-login,
// routes open without a session, and what the authorization request asks the provider for.
type LoginOptions struct {
	// AutoLogin is "kakaotalk" (a navigation from KakaoTalk's in-app browser without a session
	// first tries a silent login with prompt=none) or "off". Default: kakaotalk with provider
	// kakao, off otherwise.
	AutoLogin string `json:"auto_login,omitempty"`

	// Optional lets requests without a session through, anonymously, with
	// X-Auth-Status: anonymous (after one silent auto-login try in KakaoTalk's in-app browser);
	// with a session they get the identity headers and X-Auth-Status: authenticated.
	Optional bool `json:"optional,omitempty"`

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
}

// setDefaults fills the unset login options for provider.
func (l *LoginOptions) setDefaults(provider string) {
	if l.AutoLogin == "" {
		l.AutoLogin = AutoLoginOff
		if provider == ProviderKakao {
			l.AutoLogin = AutoLoginKakaoTalk
		}
	}
	if l.Signup == "" {
		l.Signup = SignupApp
	}
}

// inherit fills the login options l leaves unset from d.
func (l *LoginOptions) inherit(d LoginOptions) {
	setString(&l.AutoLogin, d.AutoLogin)
	l.Optional = l.Optional || d.Optional
	setString(&l.Prompt, d.Prompt)
	setString(&l.LoginHint, d.LoginHint)
	setSlice(&l.ServiceTerms, d.ServiceTerms)
	setString(&l.Signup, d.Signup)
}

// validate checks the login options for provider.
func (l *LoginOptions) validate(provider string) []error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	switch l.AutoLogin {
	case AutoLoginKakaoTalk:
		if provider != ProviderKakao {
			add("auto_login kakaotalk needs provider kakao: remove it or set auto_login off")
		}
	case AutoLoginOff:
	default:
		add("auto_login %q is not supported: use kakaotalk or off", l.AutoLogin)
	}
	if l.Prompt != "" && !slices.Contains(Prompts(), l.Prompt) {
		add("prompt %q is not supported: use login, select_account or create", l.Prompt)
	}
	switch l.Signup {
	case SignupApp, SignupAuto:
	default:
		add("signup %q is not supported: use app or auto", l.Signup)
	}
	if provider != ProviderKakao {
		if len(l.ServiceTerms) > 0 {
			errs = append(errs, kakaoOnly("service_terms"))
		}
		if l.Signup == SignupAuto {
			errs = append(errs, kakaoOnly("signup auto"))
		}
	}
	return errs
}

// kakaoOnly reports option, set with a provider other than kakao.
func kakaoOnly(option string) error {
	return fmt.Errorf("%s is a Kakao option: remove it or set provider kakao", option)
}

package caddymodule

import (
	"strings"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/internal/caddyfileargs"
)

// repeatable options may appear on several lines of one block.
var repeatable = map[string]bool{"header": true, "allow": true, "require_scope": true, "provider": true}

// unmarshalFlowOption reads the options of the Kakao flows into f: its login options, access
// rules, unlink options, admin token, upstream extras and session options (syntax in UnmarshalCaddyfile's doc
// comment). It reports whether opt was one of them.
func unmarshalFlowOption(d *caddyfile.Dispenser, opt string, f *config.Config) (bool, error) {
	var err error
	switch opt {
	case "auto_login":
		err = oneOf(d, &f.AutoLogin, config.AutoLoginKakaoTalk, config.AutoLoginOff)
	case "optional":
		err = caddyfileargs.Flag(d, &f.Optional)
	case "admin_key":
		err = caddyfileargs.One(d, &f.AdminKey)
	case "app_id":
		err = caddyfileargs.One(d, &f.AppID)
	case "on_unlink":
		err = caddyfileargs.One(d, &f.OnUnlink)
	case "admin_token":
		err = caddyfileargs.One(d, &f.AdminToken)
	case "pass_access_token":
		err = caddyfileargs.Flag(d, &f.PassAccessToken)
	case "require_scope":
		var scopes []string
		if scopes, err = caddyfileargs.Some(d); err == nil {
			f.RequireScopes = append(f.RequireScopes, scopes...)
		}
	case "allow":
		args := d.RemainingArgs()
		if len(args) < 2 {
			return true, d.Err("allow takes a claim and at least one value, e.g. allow email_domain example.com")
		}
		f.Allow = append(f.Allow, config.AllowRule{Claim: args[0], Values: args[1:]})
	case "prompt":
		err = oneOf(d, &f.Prompt, config.Prompts()...)
	case "login_hint":
		err = caddyfileargs.One(d, &f.LoginHint)
	case "service_terms":
		f.ServiceTerms, err = caddyfileargs.Some(d)
	case "signup":
		err = oneOf(d, &f.Signup, config.SignupApp, config.SignupAuto)
	case "signup_properties":
		err = parseSignupProperties(d, f)
	case "assertion":
		err = caddyfileargs.Flag(d, &f.Assertion)
	case "id_token_max_age":
		err = parseIDTokenMaxAge(d, f)
	case "failed_exchange_limit":
		err = parseFailedExchangeLimit(d, f)
	case "bearer":
		err = parseBearer(d, f)
	case "idle_timeout":
		err = parseIdleTimeout(d, f)
	case "session_cookie":
		err = oneOf(d, &f.SessionCookie, config.SessionCookiePersistent, config.SessionCookieBrowser)
	case "max_sessions_per_user":
		err = parseMaxSessionsPerUser(d, f)
	default:
		return false, nil
	}
	return true, err
}

// parseSignupProperties reads signup_properties <name>=<value>|<name>...: a name with a value
// is sent with that fixed value on every signup; a bare name may be supplied by the signup
// request. Quote an argument whose value has spaces: "motto=hello world".
func parseSignupProperties(d *caddyfile.Dispenser, f *config.Config) error {
	args, err := caddyfileargs.Some(d)
	if err != nil {
		return err
	}
	for _, a := range args {
		name, value, fixed := strings.Cut(a, "=")
		if !fixed {
			f.SignupFormProperties = append(f.SignupFormProperties, name)
			continue
		}
		if f.SignupProperties == nil {
			f.SignupProperties = map[string]string{}
		}
		if _, dup := f.SignupProperties[name]; dup {
			return d.Errf("signup_properties gives %q twice", name)
		}
		f.SignupProperties[name] = value
	}
	return nil
}

package caddyemulator

import (
	"strconv"
	"strings"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

func init() {
	httpcaddyfile.RegisterHandlerDirective("kakao_emulator", parseCaddyfile)
	// A terminal handler: it answers before respond, reverse_proxy and
	// file_server would, so no order line is needed.
	httpcaddyfile.RegisterDirectiveOrder("kakao_emulator", httpcaddyfile.Before, "respond")
}

// parseCaddyfile sets up the handler from Caddyfile tokens.
func parseCaddyfile(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	m := new(Handler)
	if err := m.UnmarshalCaddyfile(h.Dispenser); err != nil {
		return nil, err
	}
	return m, nil
}

// UnmarshalCaddyfile sets up the handler from Caddyfile tokens. Syntax:
//
//	kakao_emulator [<matcher>] {
//	    issuer               <url>
//	    client_id            <rest api key>
//	    client_secret        <secret>|off
//	    admin_key            <admin key>
//	    app_id               <id>
//	    redirect_uri         <url...>
//	    logout_redirect_uri  <url...>
//	    webhook_url          <url>
//	    webhook_method       GET|POST
//	    webhook_allow_non_loopback
//	    auto_link            on|off
//	    scopes               <scope...>
//	    talk_user            <user id>
//	}
//
// Only issuer is required. redirect_uri and logout_redirect_uri may be
// repeated and take several URLs; every other option may appear once.
// Placeholders in client_secret and admin_key (e.g. {env.KAKAO_SECRET})
// are expanded when the config is loaded. For development and tests only.
func (h *Handler) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // consume directive name
	if d.NextArg() {
		return d.ArgErr()
	}
	seen := map[string]bool{}
	for d.NextBlock(0) {
		opt := d.Val()
		if seen[opt] && opt != "redirect_uri" && opt != "logout_redirect_uri" {
			return d.Errf("%s specified more than once", opt)
		}
		seen[opt] = true
		switch opt {
		case "issuer":
			if err := oneArg(d, &h.Issuer); err != nil {
				return err
			}
		case "client_id":
			if err := oneArg(d, &h.ClientID); err != nil {
				return err
			}
		case "client_secret":
			if err := oneArg(d, &h.ClientSecret); err != nil {
				return err
			}
			if h.ClientSecret == "off" {
				h.ClientSecret, h.DisableClientSecret = "", true
			}
		case "admin_key":
			if err := oneArg(d, &h.AdminKey); err != nil {
				return err
			}
		case "app_id":
			if err := oneArg(d, &h.AppID); err != nil {
				return err
			}
			if _, err := strconv.ParseInt(h.AppID, 10, 64); err != nil {
				return d.Errf("app_id %q must be a number", h.AppID)
			}
		case "redirect_uri":
			args := d.RemainingArgs()
			if len(args) == 0 {
				return d.ArgErr()
			}
			h.RedirectURIs = append(h.RedirectURIs, args...)
		case "logout_redirect_uri":
			args := d.RemainingArgs()
			if len(args) == 0 {
				return d.ArgErr()
			}
			h.LogoutRedirectURIs = append(h.LogoutRedirectURIs, args...)
		case "webhook_url":
			if err := oneArg(d, &h.WebhookURL); err != nil {
				return err
			}
		case "webhook_method":
			if err := oneArg(d, &h.WebhookMethod); err != nil {
				return err
			}
			h.WebhookMethod = strings.ToUpper(h.WebhookMethod)
			if h.WebhookMethod != "GET" && h.WebhookMethod != "POST" {
				return d.Errf("webhook_method must be GET or POST, not %q", d.Val())
			}
		case "webhook_allow_non_loopback":
			if d.NextArg() {
				return d.ArgErr()
			}
			h.WebhookAllowNonLoopback = true
		case "auto_link":
			var v string
			if err := oneArg(d, &v); err != nil {
				return err
			}
			switch v {
			case "on":
				h.DisableAutoLink = false
			case "off":
				h.DisableAutoLink = true
			default:
				return d.Errf("auto_link must be on or off, not %q", v)
			}
		case "scopes":
			h.Scopes = d.RemainingArgs()
			if len(h.Scopes) == 0 {
				return d.ArgErr()
			}
		case "talk_user":
			var v string
			if err := oneArg(d, &v); err != nil {
				return err
			}
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil || id <= 0 {
				return d.Errf("talk_user %q must be a test user id such as 1001", v)
			}
			h.TalkUserID = id
		default:
			return d.Errf("unrecognized kakao_emulator option %q", opt)
		}
	}
	return nil
}

// oneArg reads exactly one argument into dst.
func oneArg(d *caddyfile.Dispenser, dst *string) error {
	if !d.NextArg() {
		return d.ArgErr()
	}
	*dst = d.Val()
	if d.NextArg() {
		return d.ArgErr()
	}
	return nil
}

// Interface guard.
var _ caddyfile.Unmarshaler = (*Handler)(nil)

package caddyemulator

import (
	"strconv"
	"strings"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/kakaogate/kakaogate/internal/caddyfileargs"
	"github.com/kakaogate/kakaogate/kakaotest"
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
//	    webhook_format       form|json|json_numbers
//	    webhook_allow_non_loopback
//	    auto_link            on|off
//	    scopes               <scope...>
//	    consent_items        <scope...>
//	    app_name             <name>
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
			return d.Errf("%s is given twice; give it once", opt)
		}
		seen[opt] = true
		if err := h.unmarshalOption(d, opt); err != nil {
			return err
		}
	}
	return nil
}

// unmarshalOption reads the option opt, whose name d has just read.
func (h *Handler) unmarshalOption(d *caddyfile.Dispenser, opt string) error {
	one := map[string]*string{
		"issuer": &h.Issuer, "client_id": &h.ClientID, "client_secret": &h.ClientSecret,
		"admin_key": &h.AdminKey, "app_id": &h.AppID, "webhook_url": &h.WebhookURL,
		"webhook_method": &h.WebhookMethod, "webhook_format": &h.WebhookFormat, "app_name": &h.AppName,
	}
	if dst, ok := one[opt]; ok {
		if err := caddyfileargs.One(d, dst); err != nil {
			return err
		}
		return h.checkStringOption(d, opt)
	}
	switch opt {
	case "redirect_uri", "logout_redirect_uri", "scopes", "consent_items":
		args := d.RemainingArgs()
		if len(args) == 0 {
			return d.Errf("%s needs a value", opt)
		}
		switch opt {
		case "redirect_uri":
			h.RedirectURIs = append(h.RedirectURIs, args...)
		case "logout_redirect_uri":
			h.LogoutRedirectURIs = append(h.LogoutRedirectURIs, args...)
		case "consent_items":
			h.ConsentItems = args
		default:
			h.Scopes = args
		}
		return nil
	case "webhook_allow_non_loopback":
		if d.NextArg() {
			return d.Errf("%s takes no value", opt)
		}
		h.WebhookAllowNonLoopback = true
		return nil
	case "auto_link":
		return h.unmarshalAutoLink(d, opt)
	case "talk_user":
		var v string
		if err := caddyfileargs.One(d, &v); err != nil {
			return err
		}
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return d.Errf("talk_user %q must be a test user id such as 1001", v)
		}
		h.TalkUserID = id
		return nil
	}
	return d.Errf("unknown kakao_emulator option %q", opt)
}

// checkStringOption checks (and normalises) the value of a one-value option just read.
func (h *Handler) checkStringOption(d *caddyfile.Dispenser, opt string) error {
	switch opt {
	case "client_secret":
		if h.ClientSecret == "off" {
			h.ClientSecret, h.DisableClientSecret = "", true
		}
	case "app_id":
		if _, err := strconv.ParseInt(h.AppID, 10, 64); err != nil {
			return d.Errf("app_id %q must be a number", h.AppID)
		}
	case "webhook_method":
		h.WebhookMethod = strings.ToUpper(h.WebhookMethod)
		if h.WebhookMethod != "GET" && h.WebhookMethod != "POST" {
			return d.Errf("webhook_method %q is not supported: use GET or POST", d.Val())
		}
	case "webhook_format":
		switch h.WebhookFormat {
		case kakaotest.WebhookForm, kakaotest.WebhookJSON, kakaotest.WebhookJSONNumbers:
		default:
			return d.Errf("webhook_format %q is not supported: use form, json or json_numbers", h.WebhookFormat)
		}
	}
	return nil
}

// unmarshalAutoLink reads auto_link on|off.
func (h *Handler) unmarshalAutoLink(d *caddyfile.Dispenser, opt string) error {
	var v string
	if err := caddyfileargs.One(d, &v); err != nil {
		return err
	}
	switch v {
	case "on":
		h.DisableAutoLink = false
	case "off":
		h.DisableAutoLink = true
	default:
		return d.Errf("auto_link %q is not supported: use on or off", v)
	}
	return nil
}

// Interface guard.
var _ caddyfile.Unmarshaler = (*Handler)(nil)

package caddymodule

import (
	"encoding/json"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/internal/caddyfileargs"
)

// globalOption is the name of the directive and of the global option holding its defaults.
const globalOption = "kakaogate"

func init() {
	httpcaddyfile.RegisterDirective("kakaogate", parseDirective)
	httpcaddyfile.RegisterDirectiveOrder("kakaogate", httpcaddyfile.After, "basic_auth")
	httpcaddyfile.RegisterGlobalOption(globalOption, parseGlobalOption)
}

// parseDirective builds the route for a kakaogate directive. The route itself matches every
// request and the directive's matcher becomes the handler's protect field: the gateway's
// endpoints are then served whatever the matcher selects, and requests the matcher does not
// select still lose client-sent identity headers before going on.
func parseDirective(h httpcaddyfile.Helper) ([]httpcaddyfile.ConfigValue, error) {
	if !h.Next() {
		return nil, h.ArgErr()
	}
	matcherSet, err := h.ExtractMatcherSet()
	if err != nil {
		return nil, err
	}
	handler := new(Handler)
	if err := handler.UnmarshalCaddyfile(h.Dispenser); err != nil {
		return nil, err
	}
	if global, ok := h.Option(globalOption).(*config.Config); ok && global != nil {
		handler.Config.Inherit(*global)
	}
	if matcherSet != nil {
		handler.Protect = caddyhttp.RawMatcherSets{matcherSet}
	}
	route := caddyhttp.Route{
		HandlersRaw: []json.RawMessage{caddyconfig.JSONModuleObject(handler, "handler", "kakaogate", nil)},
	}
	return []httpcaddyfile.ConfigValue{{Class: "route", Value: route}}, nil
}

// parseGlobalOption reads the global `kakaogate { … }` block: defaults for every kakaogate
// handler, in the same syntax as the directive's block.
func parseGlobalOption(d *caddyfile.Dispenser, existing any) (any, error) {
	if existing != nil {
		return nil, d.Err("the kakaogate global option may appear only once")
	}
	cfg := new(config.Config)
	d.Next() // option name
	if d.NextArg() {
		return nil, d.ArgErr()
	}
	if err := unmarshalOptions(d, cfg); err != nil {
		return nil, err
	}
	return cfg, nil
}

// UnmarshalCaddyfile sets up the handler from Caddyfile tokens. Syntax:
//
//	kakaogate [<matcher>] {
//		provider              kakao|oidc
//		provider              <name> {
//			issuer        <url>
//			client_id     <id>
//			client_secret <secret>
//			scopes        <scope...>
//			label         <text>
//		}
//		client_id             <id>
//		client_secret         <secret>
//		issuer                <url>
//		api_url               <url>
//		scopes                <scope...>
//		property_keys         <key...>
//		redirect_url          <url>
//		path_prefix           <path>
//		cookie_secret         <secret...>
//		insecure_cookies
//		cookie_domain         <domain>
//		session               memory | redis <url> | redis_cluster <addr...> | redis_sentinel <master> <addr...> {
//			username          <name>
//			password          <password>
//			sentinel_username <name>
//			sentinel_password <password>
//			tls
//			cache             off
//		}
//		session_lifetime      <duration>
//		idle_timeout          <duration>
//		session_cookie        persistent|browser
//		max_sessions_per_user <n>
//		header                <Header-Name> <claim>
//		logout                service|account
//		post_logout_redirect  <path>
//		templates             <dir>
//		auto_login            kakaotalk|off
//		optional
//		admin_key             <kakao admin key>
//		app_id                <kakao app id>
//		on_unlink             <url>
//		admin_token           <token>
//		pass_access_token
//		require_scope         <scope...>
//		allow                 <claim> <value...>
//		prompt                login|select_account|create
//		login_hint            <hint>
//		service_terms         <tag...>
//		signup                app|auto
//		signup_properties     <name>=<value>|<name>...
//		assertion
//		id_token_max_age      <duration>
//		failed_exchange_limit off|<global> <per_client> [<window>]
//		bearer                [off] {
//			audiences <aud...>
//		}
//	}
//
// Placeholders are not expanded here; {env.*} and {file.*} are resolved at provisioning.
func (h *Handler) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // directive name
	if d.NextArg() {
		return d.ArgErr()
	}
	return unmarshalOptions(d, &h.Config)
}

// unmarshalOptions reads the options block shared by the directive and the global option.
func unmarshalOptions(d *caddyfile.Dispenser, cfg *config.Config) error {
	seen := map[string]bool{}
	for d.NextBlock(0) {
		opt := d.Val()
		if seen[opt] && !repeatable[opt] {
			return d.Errf("%s is given twice; give it once", opt)
		}
		seen[opt] = true
		var err error
		switch opt {
		case "provider":
			err = parseProvider(d, cfg)
		case "client_id":
			err = caddyfileargs.One(d, &cfg.ClientID)
		case "client_secret":
			err = caddyfileargs.One(d, &cfg.ClientSecret)
		case "issuer":
			err = caddyfileargs.One(d, &cfg.Issuer)
		case "api_url":
			err = caddyfileargs.One(d, &cfg.APIURL)
		case "scopes":
			cfg.Scopes, err = caddyfileargs.Some(d)
		case "property_keys":
			cfg.PropertyKeys, err = caddyfileargs.Some(d)
		case "redirect_url":
			err = caddyfileargs.One(d, &cfg.RedirectURL)
		case "path_prefix":
			err = caddyfileargs.One(d, &cfg.PathPrefix)
		case "cookie_secret":
			cfg.CookieSecrets, err = caddyfileargs.Some(d)
		case "insecure_cookies":
			err = caddyfileargs.Flag(d, &cfg.InsecureCookies)
		case "cookie_domain":
			err = caddyfileargs.One(d, &cfg.CookieDomain)
		case "session":
			cfg.Session, err = parseSession(d)
		case "session_lifetime":
			var s string
			if err = caddyfileargs.One(d, &s); err == nil {
				var dur time.Duration
				if dur, err = caddy.ParseDuration(s); err != nil {
					return d.Errf("session_lifetime %q: %v (write e.g. 24h)", s, err)
				}
				cfg.SessionLifetime = config.Duration(dur)
			}
		case "header":
			var hc config.HeaderClaim
			if !d.Args(&hc.Header, &hc.Claim) || d.NextArg() {
				return d.Err("header takes a header name and a claim, e.g. header X-Auth-User-Id id")
			}
			cfg.Headers = append(cfg.Headers, hc)
		case "logout":
			err = oneOf(d, &cfg.Logout, config.LogoutService, config.LogoutAccount)
		case "post_logout_redirect":
			err = caddyfileargs.One(d, &cfg.PostLogoutRedirect)
		case "templates":
			err = caddyfileargs.One(d, &cfg.Templates)
		default:
			handled, ferr := unmarshalFlowOption(d, opt, cfg)
			if !handled {
				return d.Errf("unknown kakaogate option %q", opt)
			}
			err = ferr
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// parseSession reads `session memory | redis <url> | redis_cluster <addr...> |
// redis_sentinel <master> <addr...>` with an optional block (parseSessionBlock).
func parseSession(d *caddyfile.Dispenser) (*config.SessionStore, error) {
	s := &config.SessionStore{}
	if !d.NextArg() {
		return nil, d.Err("session needs a store: memory, redis <url>, redis_cluster <addr...> or redis_sentinel <master> <addr...>")
	}
	s.Store = d.Val()
	args := d.RemainingArgs()
	switch s.Store {
	case config.StoreMemory:
		if len(args) != 0 {
			return nil, d.Err("session memory takes no value")
		}
	case config.StoreRedis:
		if len(args) != 1 {
			return nil, d.Err("session redis takes one URL, e.g. session redis redis://127.0.0.1:6379/0")
		}
		s.URL = args[0]
	case config.StoreRedisCluster:
		if len(args) == 0 {
			return nil, d.Err("session redis_cluster needs at least one host:port")
		}
		s.Addresses = args
	case config.StoreRedisSentinel:
		if len(args) < 2 {
			return nil, d.Err("session redis_sentinel needs the master name and at least one sentinel host:port")
		}
		s.MasterName, s.Addresses = args[0], args[1:]
	default:
		return nil, d.Errf("session %q is not supported: use memory, redis, redis_cluster or redis_sentinel", s.Store)
	}
	if err := parseSessionBlock(d, s); err != nil {
		return nil, err
	}
	return s, nil
}

// parseSessionBlock reads the session option's block: username, password,
// sentinel_username, sentinel_password, tls and cache off.
func parseSessionBlock(d *caddyfile.Dispenser, s *config.SessionStore) error {
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		var err error
		switch d.Val() {
		case "username":
			err = caddyfileargs.One(d, &s.Username)
		case "password":
			err = caddyfileargs.One(d, &s.Password)
		case "sentinel_username":
			err = caddyfileargs.One(d, &s.SentinelUsername)
		case "sentinel_password":
			err = caddyfileargs.One(d, &s.SentinelPassword)
		case "tls":
			if d.NextArg() {
				return d.Err("session tls takes no value: write tls alone to connect with TLS")
			}
			s.TLS = true
		case "cache":
			if !d.NextArg() || d.Val() != "off" || d.NextArg() {
				return d.Err("session cache takes one value: off (the cache is on by default)")
			}
			s.NoCache = true
		default:
			return d.Errf("unknown session option %q: use username, password, sentinel_username, sentinel_password, tls or cache", d.Val())
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func oneOf(d *caddyfile.Dispenser, dst *string, allowed ...string) error {
	opt := d.Val()
	if err := caddyfileargs.One(d, dst); err != nil {
		return err
	}
	for _, a := range allowed {
		if *dst == a {
			return nil
		}
	}
	return d.Errf("%s %q is not supported: use %s", opt, *dst, joinOr(allowed))
}

func joinOr(words []string) string {
	switch len(words) {
	case 0:
		return ""
	case 1:
		return words[0]
	}
	out := words[0]
	for _, w := range words[1 : len(words)-1] {
		out += ", " + w
	}
	return out + " or " + words[len(words)-1]
}

// Interface guard
var _ caddyfile.Unmarshaler = (*Handler)(nil)

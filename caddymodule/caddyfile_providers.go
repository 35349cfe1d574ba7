package caddymodule

import (
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/internal/caddyfileargs"
)

// parseProvider reads both forms of the provider option:
//
//	provider kakao|oidc          the main provider's flavour (once)
//	provider <name> {            one more OpenID Connect provider (repeatable)
//		issuer        <url>
//		client_id     <id>
//		client_secret <secret>
//		scopes        <scope...>
//		label         <text>
//	}
func parseProvider(d *caddyfile.Dispenser, cfg *config.Config) error {
	args := d.RemainingArgs()
	if len(args) != 1 {
		return d.Err("provider takes kakao or oidc, or a name followed by a block, e.g. provider google { issuer https://accounts.google.com … }")
	}
	np := config.NamedProvider{Name: args[0]}
	block := false
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		block = true
		if err := parseNamedProviderOption(d, &np); err != nil {
			return err
		}
	}
	if block {
		if np.Name == config.ProviderKakao || np.Name == config.ProviderOIDC {
			return d.Errf("provider %s { … } is not allowed: %s names the main provider's kind; give the block another name, e.g. provider google { … }", np.Name, np.Name)
		}
		cfg.Providers = append(cfg.Providers, np)
		return nil
	}
	if cfg.Provider != "" {
		return d.Err("provider kakao|oidc is given twice; give it once")
	}
	switch args[0] {
	case config.ProviderKakao, config.ProviderOIDC:
		cfg.Provider = args[0]
		return nil
	default:
		return d.Errf("provider %q is not supported: use kakao or oidc, or add a block to configure one more provider named %s", args[0], args[0])
	}
}

// parseNamedProviderOption reads one option inside a provider <name> { … } block.
func parseNamedProviderOption(d *caddyfile.Dispenser, np *config.NamedProvider) error {
	switch d.Val() {
	case "issuer":
		return caddyfileargs.One(d, &np.Issuer)
	case "client_id":
		return caddyfileargs.One(d, &np.ClientID)
	case "client_secret":
		return caddyfileargs.One(d, &np.ClientSecret)
	case "scopes":
		scopes, err := caddyfileargs.Some(d)
		np.Scopes = scopes
		return err
	case "label":
		return caddyfileargs.One(d, &np.Label)
	default:
		return d.Errf("unknown option %q in provider %s: use issuer, client_id, client_secret, scopes or label", d.Val(), np.Name)
	}
}

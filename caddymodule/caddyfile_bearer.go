package caddymodule

import (
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/internal/caddyfileargs"
)

// parseBearer reads `bearer`, `bearer off` or
//
//	bearer {
//		audiences <aud...>
//	}
//
// into cfg.Bearer.
func parseBearer(d *caddyfile.Dispenser, cfg *config.Config) error {
	b := &config.BearerOptions{}
	if d.NextArg() {
		if d.Val() != "off" || d.NextArg() {
			return d.Err("bearer takes no value or off (bearer off turns off bearer access set in the global options)")
		}
		b.Off = true
	}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		switch d.Val() {
		case "audiences":
			auds, err := caddyfileargs.Some(d)
			if err != nil {
				return err
			}
			b.Audiences = append(b.Audiences, auds...)
		default:
			return d.Errf("unknown bearer option %q: use audiences", d.Val())
		}
	}
	cfg.Bearer = b
	return nil
}

package caddymodule

import (
	"strconv"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/internal/caddyfileargs"
)

// parseIDTokenMaxAge reads `id_token_max_age <duration>`.
func parseIDTokenMaxAge(d *caddyfile.Dispenser, f *config.Config) error {
	var s string
	if err := caddyfileargs.One(d, &s); err != nil {
		return err
	}
	dur, err := caddy.ParseDuration(s)
	if err != nil {
		return d.Errf("id_token_max_age %q: %v (write e.g. 10m)", s, err)
	}
	f.IDTokenMaxAge = config.Duration(dur)
	return nil
}

// parseFailedExchangeLimit reads `failed_exchange_limit <global> <per_client> [<window>]` or
// `failed_exchange_limit off`.
func parseFailedExchangeLimit(d *caddyfile.Dispenser, f *config.Config) error {
	args := d.RemainingArgs()
	const usage = "failed_exchange_limit takes off, or the global and per-client budgets and an optional window, e.g. failed_exchange_limit 120 10 1m"
	if len(args) == 1 && args[0] == "off" {
		f.FailedExchanges = &config.ExchangeLimit{Off: true}
		return nil
	}
	if len(args) < 2 || len(args) > 3 {
		return d.Err(usage)
	}
	l := &config.ExchangeLimit{}
	var err error
	if l.Global, err = strconv.Atoi(args[0]); err != nil {
		return d.Errf("%s (global %q is not a number)", usage, args[0])
	}
	if l.PerClient, err = strconv.Atoi(args[1]); err != nil {
		return d.Errf("%s (per-client %q is not a number)", usage, args[1])
	}
	if len(args) == 3 {
		var w time.Duration
		if w, err = caddy.ParseDuration(args[2]); err != nil {
			return d.Errf("%s (window %q: %v)", usage, args[2], err)
		}
		l.Window = config.Duration(w)
	}
	f.FailedExchanges = l
	return nil
}

package caddymodule

import (
	"strconv"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/internal/caddyfileargs"
)

// parseIdleTimeout reads `idle_timeout <duration>`.
func parseIdleTimeout(d *caddyfile.Dispenser, f *config.Config) error {
	var s string
	if err := caddyfileargs.One(d, &s); err != nil {
		return err
	}
	dur, err := caddy.ParseDuration(s)
	if err != nil {
		return d.Errf("idle_timeout %q: %v (write e.g. 30m)", s, err)
	}
	f.IdleTimeout = config.Duration(dur)
	return nil
}

// parseMaxSessionsPerUser reads `max_sessions_per_user <n>`.
func parseMaxSessionsPerUser(d *caddyfile.Dispenser, f *config.Config) error {
	var s string
	if err := caddyfileargs.One(d, &s); err != nil {
		return err
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return d.Errf("max_sessions_per_user %q must be a whole number of at least 1, e.g. max_sessions_per_user 100", s)
	}
	f.MaxSessionsPerUser = n
	return nil
}

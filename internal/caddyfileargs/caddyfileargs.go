// Package caddyfileargs reads the arguments of one Caddyfile option, with the same wording
// in every parser of the module (the kakaogate directive and the Kakao emulator's), so an
// operator meets one voice whichever block they got wrong. Each function is called with the
// dispenser on the option's name.
package caddyfileargs

import "github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

// One reads exactly one value of the current option into dst.
func One(d *caddyfile.Dispenser, dst *string) error {
	opt := d.Val()
	if !d.NextArg() {
		return d.Errf("%s needs a value", opt)
	}
	*dst = d.Val()
	if d.NextArg() {
		return d.Errf("%s takes one value", opt)
	}
	return nil
}

// Some reads the current option's values: one or more.
func Some(d *caddyfile.Dispenser) ([]string, error) {
	opt := d.Val()
	args := d.RemainingArgs()
	if len(args) == 0 {
		return nil, d.Errf("%s needs at least one value", opt)
	}
	return args, nil
}

// Flag reads an option that takes no value and switches something on.
func Flag(d *caddyfile.Dispenser, dst *bool) error {
	opt := d.Val()
	if d.NextArg() {
		return d.Errf("%s takes no value", opt)
	}
	*dst = true
	return nil
}

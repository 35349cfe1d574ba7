// Package secureurl holds the one rule kakaogate applies to every URL of a provider, an
// emulator or a callback it calls: https, or plain http only when the host is this machine.
// Configuration checks, the OIDC transport and the Kakao client all use it, so the rule and
// its wording live here once.
package secureurl

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// ErrInsecure is wrapped by Parse's error for a URL that is neither https nor loopback http.
var ErrInsecure = errors.New("use https (plain http is allowed only for localhost, 127.0.0.0/8 and ::1)")

// Parse parses raw and checks that it is an absolute URL with a host, https or http on a
// loopback host, without user info or a fragment. Callers add their own further rules.
func Parse(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%q is not a URL: %w", raw, err)
	}
	if !u.IsAbs() || u.Hostname() == "" {
		return nil, fmt.Errorf("%q is not an absolute URL with a host", raw)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%q: remove the user info", raw)
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return nil, fmt.Errorf("%q: remove the fragment", raw)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && IsLoopbackHost(u.Hostname()):
	default:
		return nil, fmt.Errorf("%q: %w", raw, ErrInsecure)
	}
	return u, nil
}

// IsLoopbackHost reports whether host (without a port) names this machine: "localhost" in
// any case, or a loopback IP address (127.0.0.0/8, ::1).
func IsLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

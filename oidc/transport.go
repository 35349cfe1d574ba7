package oidc

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// Body caps per endpoint.
const (
	maxDiscoveryBody = 1 << 20  // 1 MiB
	maxJWKSBody      = 1 << 20  // 1 MiB
	maxUserInfoBody  = 1 << 20  // 1 MiB
	maxTokenBody     = 64 << 10 // 64 KiB
	maxIDTokenSize   = 16 << 10 // 16 KiB
	maxRedirects     = 3
)

// readCapped reads all of r, failing with ErrResponseTooLarge when it holds
// more than limit bytes. It never buffers more than limit+1 bytes.
func readCapped(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("reading body: %w", err)
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%w (more than %d bytes)", ErrResponseTooLarge, limit)
	}
	return b, nil
}

// isLoopbackHost reports whether host (no port) names this machine:
// "localhost", 127.0.0.0/8 or ::1.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkSecureURL checks that raw is an absolute https URL, or http on a
// loopback host, with no user info and no fragment. what names the URL in
// the error.
func checkSecureURL(what, raw string) (*url.URL, error) {
	if raw == "" {
		return nil, fmt.Errorf("%s is empty", what)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%s %q: %w", what, raw, err)
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, fmt.Errorf("%s %q: not an absolute URL with a host", what, raw)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%s %q: user info is not allowed", what, raw)
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return nil, fmt.Errorf("%s %q: fragment is not allowed", what, raw)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopbackHost(u.Hostname()) {
			return nil, fmt.Errorf("%s %q: must use https (http only for localhost, 127.0.0.0/8 or ::1)", what, raw)
		}
	default:
		return nil, fmt.Errorf("%s %q: scheme must be https", what, raw)
	}
	return u, nil
}

// followSecureRedirects returns a copy of c that follows at most
// maxRedirects redirects, and only to https (or loopback http) URLs.
// Used for discovery and JWKS, which some providers serve behind a redirect.
func followSecureRedirects(c *http.Client) *http.Client {
	cc := *c
	cc.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= maxRedirects {
			return errors.New("too many redirects")
		}
		if _, err := checkSecureURL("redirect target", req.URL.String()); err != nil {
			return err
		}
		return nil
	}
	return &cc
}

// noRedirects returns a copy of c that never follows a redirect: the token
// and userinfo endpoints carry secrets and must answer themselves.
func noRedirects(c *http.Client) *http.Client {
	cc := *c
	cc.CheckRedirect = func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}
	return &cc
}

// unavailable wraps err as a failure to use the provider's endpoint what:
// "oidc: provider unavailable: <what>: <err>".
func unavailable(what string, err error) error {
	return fmt.Errorf("%w: %s: %w", ErrProviderUnavailable, what, err)
}

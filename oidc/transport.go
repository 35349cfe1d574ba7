package oidc

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/kakaogate/kakaogate/internal/secureurl"
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

// checkSecureURL applies the https-or-loopback rule of [secureurl.Parse] to
// raw; what names the URL in the error.
func checkSecureURL(what, raw string) (*url.URL, error) {
	if raw == "" {
		return nil, fmt.Errorf("%s is empty", what)
	}
	u, err := secureurl.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
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

package gateway

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/kakaogate/kakaogate/config"
)

// The forward-auth headers: what a front proxy (nginx auth_request, Traefik ForwardAuth,
// Caddy forward_auth) tells <prefix>/verify about the request it is deciding on.
const (
	headerForwardedMethod = "X-Forwarded-Method"
	headerForwardedProto  = "X-Forwarded-Proto"
	headerForwardedHost   = "X-Forwarded-Host"
	headerForwardedURI    = "X-Forwarded-Uri"
	headerOriginalURL     = "X-Original-URL"
)

// maxForwardedURI bounds the original request URI a front proxy may hand over.
const maxForwardedURI = 8192

// errNoOriginal means the verify request carries no original request the gateway may
// believe: the peer is not a trusted proxy, or it named none.
var errNoOriginal = errors.New("no trusted original request")

// forwardedRequest returns the request a front proxy asks <prefix>/verify about, built from
// the X-Forwarded-Method, -Proto, -Host and -Uri headers (X-Original-URL when -Uri is
// absent), which are believed only when Caddy's trusted_proxies trusts the peer. The request
// keeps r's context, headers and remote address (the proxy passes the client's headers on).
// errNoOriginal says there is none to believe; another error, that a trusted proxy sent one
// that does not parse.
func (g *Gateway) forwardedRequest(r *http.Request) (*http.Request, error) {
	if g.trustedProxy == nil || !g.trustedProxy(r) {
		return nil, errNoOriginal
	}
	h := r.Header
	u, err := forwardedURL(h.Get(headerForwardedURI), h.Get(headerOriginalURL))
	if err != nil || u == nil {
		return nil, err
	}
	method := r.Method
	if m := h.Get(headerForwardedMethod); m != "" {
		if !config.ValidHeaderName(m) {
			return nil, fmt.Errorf("%s %q is not a method", headerForwardedMethod, m)
		}
		method = strings.ToUpper(m)
	}
	host := r.Host
	switch {
	case h.Get(headerForwardedHost) != "":
		host = h.Get(headerForwardedHost)
	case u.Host != "":
		host = u.Host
	}
	if strings.ContainsAny(host, "/\\@ ") {
		return nil, fmt.Errorf("%s %q is not a host", headerForwardedHost, host)
	}
	scheme := u.Scheme
	if p := strings.ToLower(h.Get(headerForwardedProto)); p == "http" || p == "https" {
		scheme = p
	}
	orig := r.WithContext(r.Context()) // a shallow copy: nothing below writes r's fields
	orig.Method, orig.Host = method, host
	orig.URL = &url.URL{Scheme: scheme, Host: host, Path: u.Path, RawPath: u.RawPath, RawQuery: u.RawQuery}
	orig.RequestURI = orig.URL.RequestURI()
	return orig, nil
}

// forwardedURL parses the original request URI: X-Forwarded-Uri (a path and query) when
// present, else X-Original-URL (absolute, or a path). Neither: nil.
func forwardedURL(uri, original string) (*url.URL, error) {
	raw, name := uri, headerForwardedURI
	if raw == "" {
		raw, name = original, headerOriginalURL
	}
	if raw == "" {
		return nil, errNoOriginal
	}
	if len(raw) > maxForwardedURI {
		return nil, fmt.Errorf("%s is longer than %d bytes", name, maxForwardedURI)
	}
	u, err := url.ParseRequestURI(raw)
	if err != nil {
		return nil, fmt.Errorf("%s %q: %w", name, raw, err)
	}
	if u.Opaque != "" || u.User != nil || (u.Scheme != "" && u.Scheme != "http" && u.Scheme != "https") ||
		(u.Scheme == "" && !strings.HasPrefix(raw, "/")) {
		return nil, fmt.Errorf("%s %q is not an http(s) URL or a path", name, raw)
	}
	if u.Path == "" {
		u.Path = "/"
	}
	return u, nil
}

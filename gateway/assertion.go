package gateway

import (
	"net/http"
	"net/url"
	"strings"
)

// assertionAudience is the host an identity assertion is issued for: the configured
// redirect_url's host when set (never a client-chosen Host header), else the request's host,
// lowercased.
func (g *Gateway) assertionAudience(r *http.Request) string {
	if g.cfg.RedirectURL != "" {
		if u, err := url.Parse(g.cfg.RedirectURL); err == nil {
			return strings.ToLower(u.Host)
		}
	}
	return strings.ToLower(r.Host)
}

// serveJWKS handles GET <prefix>/jwks.json: the public keys that verify X-Auth-Assertion.
func (g *Gateway) serveJWKS(w http.ResponseWriter, r *http.Request) {
	if g.assertion == nil {
		g.notFound(w, r)
		return
	}
	if !g.allowMethods(w, r, http.MethodGet, http.MethodHead) {
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/jwk-set+json")
	h.Set("Cache-Control", "public, max-age=300")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(g.assertion.JWKS())
	}
}

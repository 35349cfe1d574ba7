package caddymodule

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/internal/secureurl"
)

// refusePlainHTTPCallback refuses, at provision, a handler whose callback URL browsers
// will use is plain http on a host other than this machine without insecure_cookies: there
// is no redirect_url, so the URL is built from the request, the server has no TLS (Caddy's
// automatic HTTPS gave it none: an http:// site), and a host name of the site is not
// loopback. Every login would end on a "link expired" page. A site without host names is
// left to the check each login makes. The gateway builds the scheme from the connection
// only (never X-Forwarded-Proto), so trusted_proxies changes nothing here.
func (h *Handler) refusePlainHTTPCallback(srv *caddyhttp.Server, site string, path []any) error {
	if h.Config.RedirectURL != "" || h.Config.InsecureCookies || len(srv.TLSConnPolicies) > 0 {
		return nil
	}
	if host := remoteHost(siteHosts(path)); host != "" {
		return fmt.Errorf("%s: %w", site, config.PlainHTTPCallback(host))
	}
	return nil
}

// warnInsecureCookies warns at start-up when insecure_cookies is on for a host other than
// this machine, redirect_url's or else one of the site's host names (path is where the
// handler is; nil outside a server's routes): the cookies then travel without Secure. (A
// site without host names is warned about at its first login from such a host.)
func (h *Handler) warnInsecureCookies(path []any) {
	if !h.Config.InsecureCookies {
		return
	}
	hostNames := siteHosts(path)
	if h.Config.RedirectURL != "" {
		hostNames = nil
		if u, err := url.Parse(h.Config.RedirectURL); err == nil {
			hostNames = []string{u.Hostname()}
		}
	}
	if host := remoteHost(hostNames); host != "" {
		h.logger.Warn("insecure_cookies is on for " + host + ", not localhost: the gateway's cookies lack Secure; " +
			"use https and drop insecure_cookies outside test setups")
	}
}

// siteHosts returns the host names a request must carry to reach the handler at path: those
// of the innermost route on it with host matchers; nil when none has any.
func siteHosts(path []any) []string {
	for i := len(path) - 1; i >= 0; i-- {
		if r, ok := path[i].(*caddyhttp.Route); ok {
			if names := hosts(r); len(names) > 0 {
				return names
			}
		}
	}
	return nil
}

// remoteHost returns the first of hostNames that names a machine other than this one; ""
// when none does. A name with a placeholder is known only on a request, so it is skipped.
func remoteHost(hostNames []string) string {
	for _, name := range hostNames {
		if !secureurl.IsLoopbackHost(name) && !strings.Contains(name, "{") {
			return name
		}
	}
	return ""
}

package config

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// CookieOptions shape the gateway's cookies beyond their defaults.
type CookieOptions struct {
	// CookieDomain, e.g. example.com, gives every gateway cookie Domain=<it>, so one login
	// serves every subdomain behind one front proxy (forward auth). The cookies then lose the
	// __Host- name prefix, which forbids a Domain, and are named __Secure-kakaogate…: they
	// keep Secure, so insecure_cookies is refused with it. Default: host-only __Host- cookies.
	CookieDomain string `json:"cookie_domain,omitempty"`
}

// inherit fills the cookie options o leaves unset from d.
func (o *CookieOptions) inherit(d CookieOptions) {
	setString(&o.CookieDomain, d.CookieDomain)
}

// validate checks cookie_domain against the options it must agree with.
func (o *CookieOptions) validate(insecureCookies bool, redirectURL string) []error {
	d := o.CookieDomain
	if d == "" {
		return nil
	}
	if !validCookieDomain(d) {
		return []error{fmt.Errorf("cookie_domain %q must be a lower-case domain name of at least two labels, without a leading dot, port or scheme, e.g. example.com", d)}
	}
	var errs []error
	if insecureCookies {
		errs = append(errs, fmt.Errorf("cookie_domain %s cannot go with insecure_cookies: cookies shared by several subdomains keep Secure and travel over https only; drop one of them", d))
	}
	if redirectURL != "" {
		if u, err := url.Parse(redirectURL); err == nil && !DomainCovers(d, u.Hostname()) {
			errs = append(errs, fmt.Errorf("redirect_url host %s is not in cookie_domain %s: the browser would refuse the login cookie there; use a callback on %s or one of its subdomains", u.Hostname(), d, d))
		}
	}
	return errs
}

// DomainCovers reports whether a cookie with Domain=domain is sent to host: host is domain
// or one of its subdomains (compared without case).
func DomainCovers(domain, host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	return host == domain || strings.HasSuffix(host, "."+domain)
}

// validCookieDomain accepts lower-case host names of two labels or more: no IP address
// (browsers refuse Domain on them), no single label (a whole top-level domain).
func validCookieDomain(d string) bool {
	if len(d) > 253 || net.ParseIP(d) != nil || !strings.Contains(d, ".") {
		return false
	}
	for _, label := range strings.Split(d, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

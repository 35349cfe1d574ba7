package gateway

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/kakaogate/kakaogate/config"
)

// maxReturnPath bounds the return path kept across a login.
const maxReturnPath = 2048

// safeReturnPath returns p when it is a path on this site, and "/" for anything a browser
// could read as another origin (//evil, /\evil, https://evil, javascript:…) or that is too long.
func safeReturnPath(p string) string {
	if len(p) > maxReturnPath || !config.IsLocalPath(p) {
		return "/"
	}
	// The path must survive a round trip through URL parsing as a pure path: no scheme, no
	// host, after the browser's own decoding of the Location header.
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	// Re-encode so a Location header never carries raw non-ASCII bytes (e.g. /게시판). When
	// the raw path is not a valid encoding (a space, a quote), RequestURI escapes the decoded
	// path instead, which turns "/%2Fevil.com/ " into "//evil.com/%20": check the result again,
	// and its length, since encoding can triple it (the login-state cookie must hold it).
	if s := u.RequestURI(); len(s) <= maxReturnPath && config.IsLocalPath(s) {
		return s
	}
	return "/"
}

// isNavigation reports whether r is a browser navigating to a page (GET or HEAD that accepts
// HTML): only navigations are sent to the provider; API and script requests get a 401.
func isNavigation(r *http.Request) bool {
	return (r.Method == http.MethodGet || r.Method == http.MethodHead) && acceptsHTML(r)
}

// loginReturnPath is the rd of a <prefix>/login request. A front proxy that cannot escape
// it (nginx: `return 302 /.auth/login?rd=$request_uri`) hands over the original query raw,
// /docs?a=1&b=2: a literal "?" in rd's raw value marks that form, and then rd is the rest
// of the raw query, so the person returns to the whole URL. The gateway's own login URLs
// always escape rd, so their provider and resume parameters are never taken in.
func loginReturnPath(rawQuery string, q url.Values) string {
	raw, ok := strings.CutPrefix(rawQuery, "rd=")
	if !ok {
		return q.Get("rd")
	}
	first, _, _ := strings.Cut(raw, "&")
	if !strings.Contains(first, "?") {
		return q.Get("rd")
	}
	if p, err := url.PathUnescape(raw); err == nil {
		return p
	}
	return q.Get("rd")
}

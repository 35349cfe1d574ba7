package gateway

import (
	"net/http"
	"net/url"

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

package gateway

import (
	"net/http"
	"strings"
	"time"

	"github.com/kakaogate/kakaogate/session"
)

// Cookie purposes: each kind of cookie is sealed with keys derived for its purpose alone, so a
// cookie of one kind can never be accepted as another.
const (
	purposeSession = "session"
	purposeLogin   = "login"
	purposeCSRF    = "csrf"
	purposeLogout  = "logout"
)

const (
	// loginStateTTL bounds how long a started login may take to come back.
	loginStateTTL = 10 * time.Minute
	// csrfTTL bounds how long a confirmation page's form stays valid.
	csrfTTL = time.Hour
	// maxLoginCookies caps the login-state cookies one browser holds at once (several tabs may
	// log in together; abandoned attempts must not pile up).
	maxLoginCookies = 4
)

// cookieNames holds the names and attributes of the gateway's cookies. With Secure cookies
// the names carry the __Host- prefix, which browsers honour only for Secure, Path=/,
// Domain-less cookies, so a sibling subdomain cannot plant one. With cookie_domain the
// cookies carry Domain and the __Secure- prefix instead (still Secure only).
type cookieNames struct {
	secure      bool
	domain      string // the Domain attribute; "" for host-only cookies
	session     string
	loginPrefix string
	// autoLoginFailed marks a recent failed silent (prompt=none) login.
	autoLoginFailed string
	// logoutState carries the state of an account logout through Kakao's bridge page.
	logoutState string
	// signedOut marks a browser whose person logged out (see signedout.go).
	signedOut string
	// loop counts the logins that came back through the callback (see loopguard.go).
	loop string
	// prefix is what every gateway cookie name starts with, used to strip them upstream.
	prefix string
}

func newCookieNames(secure bool, domain string) cookieNames {
	base := "kakaogate"
	switch {
	case secure && domain != "":
		base = "__Secure-kakaogate"
	case secure:
		base = "__Host-kakaogate"
	}
	return cookieNames{
		secure: secure, domain: domain, session: base, loginPrefix: base + "-login-", prefix: base,
		autoLoginFailed: base + "-autologin", logoutState: base + "-logout", signedOut: base + "-signedout",
		loop: base + "-loop",
	}
}

// codecs seal the gateway's cookies and CSRF tokens.
type codecs struct {
	session *session.CookieCodec
	login   *session.CookieCodec
	csrf    *session.CookieCodec
	logout  *session.CookieCodec
}

func newCodecs(secrets [][]byte, lifetime time.Duration) (codecs, error) {
	var c codecs
	var err error
	if c.session, err = session.NewCookieCodec(secrets, purposeSession, lifetime); err != nil {
		return c, err
	}
	if c.login, err = session.NewCookieCodec(secrets, purposeLogin, loginStateTTL); err != nil {
		return c, err
	}
	if c.csrf, err = session.NewCookieCodec(secrets, purposeCSRF, csrfTTL); err != nil {
		return c, err
	}
	c.logout, err = session.NewCookieCodec(secrets, purposeLogout, loginStateTTL)
	return c, err
}

// newCookie returns a cookie with the gateway's attributes: HttpOnly, SameSite=Lax, Path=/,
// Domain only with cookie_domain, Secure unless insecure_cookies is set. SameSite=Lax lets the cookie come back on
// the provider's top-level redirect to the callback.
func (n cookieNames) newCookie(name, value string, maxAge time.Duration) *http.Cookie {
	return &http.Cookie{
		Name:     name,
		Value:    value,
		Path:     "/",
		Domain:   n.domain,
		MaxAge:   int(maxAge / time.Second),
		Secure:   n.secure,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	}
}

// expire tells the browser to drop the named cookie.
func (n cookieNames) expire(w http.ResponseWriter, name string) {
	c := n.newCookie(name, "", 0)
	c.MaxAge = -1
	http.SetCookie(w, c)
}

// stripGatewayCookies removes the gateway's own cookies from the request before it goes
// upstream: the app has no use for them and must never see them. parsed, when not nil, are
// r's cookies already parsed.
func (n cookieNames) stripGatewayCookies(r *http.Request, parsed []*http.Cookie) {
	lines := r.Header["Cookie"]
	if len(lines) == 0 {
		return
	}
	found := false
	for _, l := range lines {
		if strings.Contains(l, n.prefix) {
			found = true
			break
		}
	}
	if !found {
		return
	}
	if parsed == nil {
		parsed = r.Cookies()
	}
	var kept []string
	for _, c := range parsed {
		if !strings.HasPrefix(c.Name, n.prefix) {
			kept = append(kept, c.Name+"="+c.Value)
		}
	}
	line := strings.Join(kept, "; ")
	if line == "" {
		r.Header.Del("Cookie")
		return
	}
	r.Header["Cookie"] = []string{line}
}

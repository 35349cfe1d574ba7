package gateway

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"
)

// loginState is what one login attempt must remember until the provider sends the browser
// back: it lives in an encrypted cookie named after the state, never in the session store, so
// anonymous traffic writes nothing server-side and several tabs can log in at once.
type loginState struct {
	State       string `json:"s"`
	Nonce       string `json:"n"`
	Verifier    string `json:"v"`
	ReturnTo    string `json:"r"`
	RedirectURI string `json:"u"`
	Prompt      string `json:"p,omitempty"`
	Consent     bool   `json:"c,omitempty"`
	Provider    string `json:"i,omitempty"` // an additional provider's name; empty: the primary
	Created     int64  `json:"t"`
	// Required are the scopes the route that asked for this consent requires; the callback
	// (possibly served by another handler of the site) checks they came back.
	Required []string `json:"q,omitempty"`
}

// errLoginStateMissing means the callback's state has no matching login cookie: the login
// expired, was already completed, or was started in another browser.
var errLoginStateMissing = errors.New("gateway: no login in progress for this state")

// validState reports whether s looks like a state this gateway issued (base64url, bounded), so
// it can safely be part of a cookie name.
func validState(s string) bool {
	if len(s) < 16 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// saveLoginState sets the cookie for ls, first expiring the oldest login cookies so that at
// most maxLoginCookies exist at once.
func (g *Gateway) saveLoginState(w http.ResponseWriter, r *http.Request, ls *loginState) error {
	g.capLoginCookies(w, r)
	name := g.cookies.loginPrefix + ls.State
	v, err := g.sealLoginState(name, ls)
	if err != nil && ls.ReturnTo != "/" {
		// A long return path (JSON escaping can double it) can push the sealed state past
		// session.MaxCookieLen: the login still works, it lands on "/".
		ls.ReturnTo = "/"
		v, err = g.sealLoginState(name, ls)
	}
	if err != nil {
		return err
	}
	http.SetCookie(w, g.cookies.newCookie(name, v, loginStateTTL))
	return nil
}

// sealLoginState encodes and seals ls as the value of the login cookie called name.
func (g *Gateway) sealLoginState(name string, ls *loginState) (string, error) {
	raw, err := json.Marshal(ls)
	if err != nil {
		return "", fmt.Errorf("encoding login state: %w", err)
	}
	v, err := g.codecs.login.Encode(name, raw)
	if err != nil {
		return "", fmt.Errorf("sealing login state: %w", err)
	}
	return v, nil
}

// capLoginCookies expires unreadable login cookies and the oldest readable ones so a new one
// fits under maxLoginCookies.
func (g *Gateway) capLoginCookies(w http.ResponseWriter, r *http.Request) {
	type aged struct {
		name    string
		created int64
	}
	var live []aged
	for _, c := range g.loginCookies(r) {
		ls, err := g.openLoginState(c.Name, c.Value)
		if err != nil {
			g.rejectCookie(r, cookieLogin, err)
			g.cookies.expire(w, c.Name)
			continue
		}
		live = append(live, aged{c.Name, ls.Created})
	}
	if len(live) < maxLoginCookies {
		return
	}
	slices.SortFunc(live, func(a, b aged) int { return int(a.created - b.created) })
	for _, a := range live[:len(live)-maxLoginCookies+1] {
		g.cookies.expire(w, a.name)
	}
}

// takeLoginState reads and removes the login state of state from the request's cookies.
func (g *Gateway) takeLoginState(w http.ResponseWriter, r *http.Request, state string) (*loginState, error) {
	if !validState(state) {
		return nil, errLoginStateMissing
	}
	name := g.cookies.loginPrefix + state
	c, err := r.Cookie(name)
	if err != nil {
		return nil, errLoginStateMissing
	}
	g.cookies.expire(w, name) // one use only, whatever happens next
	ls, err := g.openLoginState(name, c.Value)
	if err != nil {
		return nil, err
	}
	if ls.State != state {
		// A cookie copied under another state's name: the sealed name check should already
		// catch it, this is defence in depth.
		return nil, fmt.Errorf("login state names another state")
	}
	if age := g.now().Sub(time.Unix(ls.Created, 0)); age > loginStateTTL || age < -time.Minute {
		return nil, fmt.Errorf("login state is %s old", age.Round(time.Second))
	}
	return ls, nil
}

func (g *Gateway) openLoginState(name, value string) (*loginState, error) {
	raw, err := g.codecs.login.Decode(name, value)
	if err != nil {
		return nil, fmt.Errorf("opening login state: %w", err)
	}
	var ls loginState
	if err := json.Unmarshal(raw, &ls); err != nil {
		return nil, fmt.Errorf("decoding login state: %w", err)
	}
	return &ls, nil
}

// takeSilentLoginState finds, for an error redirect that came back without state (which a
// provider may send for prompt=none), the browser's newest fresh login state of a silent
// login at provider p, and removes it. Interactive logins never match: a callback without
// state outside a silent login stays refused.
func (g *Gateway) takeSilentLoginState(w http.ResponseWriter, r *http.Request, p *idp) (*loginState, bool) {
	var newest *loginState
	var name string
	for _, c := range g.loginCookies(r) {
		ls, err := g.openLoginState(c.Name, c.Value)
		if err != nil || ls.Prompt != "none" || ls.Provider != p.stateName() ||
			c.Name != g.cookies.loginPrefix+ls.State {
			continue
		}
		if age := g.now().Sub(time.Unix(ls.Created, 0)); age > loginStateTTL || age < -time.Minute {
			continue
		}
		if newest == nil || ls.Created > newest.Created {
			newest, name = ls, c.Name
		}
	}
	if newest == nil {
		return nil, false
	}
	g.cookies.expire(w, name)
	return newest, true
}

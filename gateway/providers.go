package gateway

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/oidc"
	"github.com/kakaogate/kakaogate/session"
)

// Provider is one more identity provider offered next to the main one (Options.RP): a
// generic OpenID Connect issuer with its own redirect URI, <prefix>/callback/<Name>, so an
// authorization code can only ever be redeemed at the provider that issued it.
type Provider struct {
	// Name identifies the provider in its callback path, in the user ids of its sessions
	// (<Name>:<sub>, so two providers' users never share an id), in the "provider" claim,
	// on the login page (?provider=<Name>) and in metrics. It must be unique and must not
	// be "kakao" or "oidc".
	Name string
	// Label is the text of its button on the login page. Default: Name.
	Label string
	// RP is its relying party. Its issuer must differ from every other provider's.
	RP *oidc.Client
}

// idp is one provider the gateway logs people in with: the primary one (configured by the
// top-level options, Kakao by default) or an additional named one.
type idp struct {
	name  string // metric label and ?provider= value; the primary's is config.Provider
	label string // providers page button text (the main Kakao provider's is localised)
	rp    *oidc.Client
	extra bool // an additional provider: own callback path, user ids <name>:<sub>
}

// newIdps builds the primary provider and the additional ones.
func newIdps(cfg *config.Config, rp *oidc.Client, extra []Provider) ([]*idp, error) {
	primary := &idp{name: cfg.Provider, label: cfg.Provider, rp: rp}
	if u, err := url.Parse(cfg.Issuer); err == nil && u.Host != "" && cfg.Provider != config.ProviderKakao {
		primary.label = u.Hostname() // a generic main provider is named by its host
	}
	idps := []*idp{primary}
	named := make([]config.NamedProvider, 0, len(extra))
	for _, p := range extra {
		if p.RP == nil || p.RP.Provider == nil {
			return nil, fmt.Errorf("provider %q has no relying party", p.Name)
		}
		named = append(named, config.NamedProvider{Name: p.Name, Issuer: p.RP.Provider.Issuer(), ClientID: p.RP.ClientID, Scopes: p.RP.Scopes})
		label := p.Label
		if label == "" {
			label = p.Name
		}
		idps = append(idps, &idp{name: p.Name, label: label, rp: p.RP, extra: true})
	}
	if err := config.ValidateProviders(rp.Provider.Issuer(), named); err != nil {
		return nil, err
	}
	return idps, nil
}

// primary is the provider of the top-level options.
func (g *Gateway) primary() *idp { return g.idps[0] }

// multi reports whether several providers are offered.
func (g *Gateway) multi() bool { return len(g.idps) > 1 }

// idpNamed returns the provider called name (the primary's name included), or nil.
func (g *Gateway) idpNamed(name string) *idp {
	for _, p := range g.idps {
		if p.name == name {
			return p
		}
	}
	return nil
}

// idpOf returns the provider a session came from, found by its issuer, or nil when no
// provider configured now issued it (the provider was removed or its issuer changed: nobody
// vouches for the session any more, and its tokens must not go to another provider).
func (g *Gateway) idpOf(sess *session.Session) *idp {
	for _, p := range g.idps {
		if p.rp.Provider.Issuer() == sess.Issuer {
			return p
		}
	}
	return nil
}

// stateName is the provider name kept in the login state: empty for the primary, so login
// cookies of a single-provider gateway stay as they were.
func (p *idp) stateName() string {
	if p.extra {
		return p.name
	}
	return ""
}

// userID is the session's user id for the provider's subject sub.
func (p *idp) userID(sub string) string {
	if p.extra {
		return p.name + ":" + sub
	}
	return sub
}

// subject is the provider's subject of a session of this provider.
func (p *idp) subject(sess *session.Session) string {
	if p.extra {
		return strings.TrimPrefix(sess.UserID, p.name+":")
	}
	return sess.UserID
}

// callbackPath is the provider's redirect URI path.
func (g *Gateway) callbackPath(p *idp) string {
	if p.extra {
		return g.cfg.CallbackPath() + "/" + p.name
	}
	return g.cfg.CallbackPath()
}

// callbackURL is the provider's redirect URI: on the origin of redirect_url (or of the
// request) at its callback path.
func (g *Gateway) callbackURL(r *http.Request, p *idp) string {
	if !p.extra {
		return g.redirectURI(r)
	}
	return g.siteOrigin(r) + g.callbackPath(p)
}

// errUnknownProvider means ?provider= names no configured provider.
var errUnknownProvider = errors.New("gateway: unknown provider")

// loginProvider chooses the provider of <prefix>/login from its ?provider= value: the named
// one, or without a name the only one, or nil (show the choice) when there are several.
func (g *Gateway) loginProvider(name string) (*idp, error) {
	if name == "" {
		if g.multi() {
			return nil, nil
		}
		return g.primary(), nil
	}
	if p := g.idpNamed(name); p != nil {
		return p, nil
	}
	return nil, errUnknownProvider
}

// providerButton is one provider on the providers page.
type providerButton struct {
	label string // the configured label of an additional provider
	msg   msgID  // the label of the main provider, in the page's language
	url   string
	kakao bool // Kakao's button (design guide) rather than a plain one
}

// providerButtons lists every provider's login link returning to returnTo, the main one first.
func (g *Gateway) providerButtons(r *http.Request, returnTo string) []providerButton {
	out := make([]providerButton, 0, len(g.idps))
	for _, p := range g.idps {
		b := providerButton{
			label: p.label,
			url:   g.withResume(r, g.cfg.PathPrefix+"/login?provider="+url.QueryEscape(p.name)+"&rd="+url.QueryEscape(returnTo)),
		}
		if !p.extra && g.cfg.Provider == config.ProviderKakao {
			b.msg, b.kakao = msgKakaoLogin, true
		}
		out = append(out, b)
	}
	return out
}

// providerChoices puts the buttons into l for the page.
func providerChoices(buttons []providerButton, l locale) []providerChoice {
	if len(buttons) == 0 {
		return nil
	}
	out := make([]providerChoice, len(buttons))
	for i, b := range buttons {
		out[i] = providerChoice{Label: b.label, URL: b.url, Kakao: b.kakao}
		if b.msg != msgNone {
			out[i].Label = b.msg.in(l)
		}
	}
	return out
}

// providersPage shows the login page listing every provider.
func (g *Gateway) providersPage(w http.ResponseWriter, r *http.Request, status int, returnTo string) {
	g.renderPage(w, r, status, "providers", pageData{
		Title:     msgLoginTitle,
		Detail:    msgLoginChoose,
		Home:      g.publicHome(r),
		Providers: g.providerButtons(r, returnTo),
	})
}

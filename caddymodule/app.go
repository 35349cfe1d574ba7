package caddymodule

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/kakaogate/kakaogate/gateway"
)

func init() {
	caddy.RegisterModule(new(App))
}

// appID is the kakaogate app's module ID. Handlers ask for it (ctx.App), so Caddy creates
// one, unconfigured, per loaded configuration: nothing needs to configure it.
const appID = "kakaogate"

// siteFix is how to make a site's kakaogate handlers agree, said wherever they do not.
const siteFix = "set provider, client_id, cookie_secret, session and path_prefix once in the global kakaogate option; " +
	"handlers may differ in matcher, allow, require_scope, optional, header and templates"

// App is the kakaogate app: once per loaded configuration, it knows the kakaogate handlers
// in each server's routes and refuses, while the configuration is provisioned, a handler
// whose session settings differ from those of a handler that a request may meet before it
// (see mayChain): in a Caddyfile, two handlers of one site block. `caddy validate`, `caddy
// run` and a reload therefore fail with a message naming the site, both handlers, the
// setting and the fix. Handlers it cannot place, in named routes (invoke), are left to the
// check each request makes (an error page and a log line).
//
// When the configuration starts (`caddy run`, a reload; never `caddy validate`), it starts
// every handler's gateway (see gateway.Gateway.Start), so an instance that gets no request
// still replays its queued revocations.
type App struct {
	mu       sync.Mutex
	servers  map[*caddyhttp.Server][]siteMember
	gateways []*gateway.Gateway // to start with the configuration
}

// siteMember is a handler that joined a site.
type siteMember struct {
	identity gateway.SessionIdentity
	gw       *gateway.Gateway
	scope    string // "for every request", "matching {…}", to name the handler
	path     []any  // where it is: the route at each level, and each subroute on the way
}

// CaddyModule returns the Caddy module information.
func (*App) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  appID,
		New: func() caddy.Module { return new(App) },
	}
}

// Start starts the gateways of the configuration's handlers.
func (a *App) Start() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, g := range a.gateways {
		g.Start()
	}
	return nil
}

// Stop does nothing.
func (*App) Stop() error { return nil }

// join registers a handler of srv, in the site named site, and refuses it when a handler of
// srv that a request may meet before it has another session.
func (a *App) join(srv *caddyhttp.Server, site string, m siteMember) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, earlier := range a.servers[srv] {
		if !mayChain(earlier.path, m.path) {
			continue
		}
		if setting := earlier.identity.Differs(m.identity); setting != "" {
			return fmt.Errorf("%s: %s: the kakaogate handler %s and the one %s (this one) differ in %s, "+
				"so a request that meets both could not share a session", site, siteFix, earlier.scope, m.scope, setting)
		}
		earlier.gw.Composed() // neither can consult the other's matchers
		m.gw.Composed()
	}
	if a.servers == nil {
		a.servers = map[*caddyhttp.Server][]siteMember{}
	}
	a.servers[srv] = append(a.servers[srv], m)
	return nil
}

// mayChain reports whether a request may meet the handler at path b after the one at path a
// (provisioned before it). Where the paths part, the earlier handler's route ends its route
// list when it is terminal (as a Caddyfile site block's is), routes of one group (the
// Caddyfile's handle and handle_path blocks) exclude each other, and so do routes for other
// host names; any other parting may put both on one request.
func mayChain(a, b []any) bool {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] == b[i] {
			continue
		}
		if _, list := a[i].(string); list {
			return false // a route list and its error routes: one chain or the other
		}
		ra, okA := a[i].(*caddyhttp.Route)
		rb, okB := b[i].(*caddyhttp.Route)
		if !okA || !okB {
			return true // two subroutes of one route: both run
		}
		if ra.Terminal || ra.Group != "" && ra.Group == rb.Group {
			return false
		}
		ha, hb := hosts(ra), hosts(rb)
		return len(ha) == 0 || len(hb) == 0 || strings.Join(ha, ",") == strings.Join(hb, ",")
	}
	return true
}

// joinSite registers h, provisioned with ctx, with the kakaogate app of its configuration,
// which starts its gateway with the configuration, and places it in its site: it warns about
// insecure_cookies off this machine, refuses a plain http callback URL
// (refusePlainHTTPCallback) and checks that it agrees with the site's other handlers. A
// handler in a named route joins no site; one provisioned outside any server (alone, in a
// test) only warns, from redirect_url.
func (h *Handler) joinSite(ctx caddy.Context) error {
	if _, ok := ctx.Value(caddyhttp.ServerCtxKey).(*caddyhttp.Server); !ok {
		h.warnInsecureCookies(nil)
		return nil
	}
	app, err := ctx.App(appID)
	if err != nil {
		return fmt.Errorf("loading the kakaogate app: %w", err)
	}
	a := app.(*App)
	a.mu.Lock()
	a.gateways = append(a.gateways, h.gw)
	a.mu.Unlock()
	path, top, srv := position(ctx)
	h.warnInsecureCookies(path)
	if path == nil {
		return nil
	}
	site := siteName(srv, top)
	if err := h.refusePlainHTTPCallback(srv, site, path); err != nil {
		return err
	}
	return a.join(srv, site, siteMember{identity: h.gw.SessionIdentity(), gw: h.gw, scope: h.scope, path: path})
}

// position is where the handler being provisioned with ctx is, as a path: at its server and
// at each subroute on the way, the route list ("routes" or "errors") and the route in it;
// each subroute comes before its list. Caddy provisions routes in order and forgets a
// route's raw handlers once they are loaded, so the route being provisioned in a list is the
// first that still has them. It also returns the top-level route and the server; nil when
// ctx is not that of a handler in a server's routes or error routes.
func position(ctx caddy.Context) ([]any, *caddyhttp.Route, *caddyhttp.Server) {
	srv, ok := ctx.Value(caddyhttp.ServerCtxKey).(*caddyhttp.Server)
	if !ok || srv == nil {
		return nil, nil, nil
	}
	path := placeIn(nil, srv.Routes, srv.Errors)
	if path == nil {
		return nil, nil, nil
	}
	top := path[1].(*caddyhttp.Route)
	for _, m := range ctx.Modules() {
		if sr, ok := m.(*caddyhttp.Subroute); ok {
			if path = placeIn(append(path, sr), sr.Routes, sr.Errors); path == nil {
				return nil, nil, nil
			}
		}
	}
	return path, top, srv
}

// placeIn appends to path the list and the route of routes or of errors whose handlers are
// being provisioned; nil if none is.
func placeIn(path []any, routes caddyhttp.RouteList, errors *caddyhttp.HTTPErrorConfig) []any {
	if r := current(routes); r != nil {
		return append(path, "routes", r)
	}
	if errors != nil {
		if r := current(errors.Routes); r != nil {
			return append(path, "errors", r)
		}
	}
	return nil
}

// current returns the route of routes whose handlers are being provisioned, nil if none is.
func current(routes caddyhttp.RouteList) *caddyhttp.Route {
	for i := range routes {
		if routes[i].HandlersRaw != nil {
			return &routes[i]
		}
	}
	return nil
}

// siteName names the site of a top-level route: its host names, or the server.
func siteName(srv *caddyhttp.Server, top *caddyhttp.Route) string {
	if h := hosts(top); len(h) > 0 {
		return "site " + strings.Join(h, ", ")
	}
	return "server " + srv.Name() + " (" + strings.Join(srv.Listen, ", ") + ")"
}

// hosts returns the host names of r's host matchers.
func hosts(r *caddyhttp.Route) []string {
	var out []string
	for _, set := range r.MatcherSets {
		for _, m := range set {
			switch hm := m.(type) {
			case caddyhttp.MatchHost:
				out = append(out, hm...)
			case *caddyhttp.MatchHost:
				out = append(out, *hm...)
			}
		}
	}
	return out
}

// handlerScope names a handler by its protect matchers, before provisioning loads them.
func handlerScope(protect caddyhttp.RawMatcherSets) string {
	if len(protect) == 0 {
		return "for every request"
	}
	raw, err := json.Marshal(protect)
	if err != nil {
		return "with protect matchers"
	}
	return "matching " + string(raw)
}

// Interface guards
var _ caddy.App = (*App)(nil)

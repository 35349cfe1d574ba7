package caddymodule

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
)

// kg is a kakaogate handler's JSON with more fields (",\"path_prefix\":…").
func kg(more string) string {
	return `{"handler":"kakaogate","client_id":"id","issuer":"http://127.0.0.1:1","api_url":"http://127.0.0.1:1",` +
		`"cookie_secrets":["` + testSecret + `"]` + more + `}`
}

// route is a route's JSON with fields (`"group":"g",` …, ending in a comma) and handlers.
func route(fields string, handlers ...string) string {
	return `{` + fields + `"handle":[` + strings.Join(handlers, ",") + `]}`
}

// sub is a subroute handler's JSON.
func sub(routes ...string) string {
	return `{"handler":"subroute","routes":[` + strings.Join(routes, ",") + `]}`
}

// siteRoute is a top-level route as a Caddyfile site block becomes: host matcher, subroute, terminal.
func siteRoute(host string, routes ...string) string {
	return route(`"match":[{"host":["`+host+`"]}],"terminal":true,`, sub(routes...))
}

const (
	admin      = `,"protect":[{"path":["/admin/*"]}]`
	auth2      = `,"path_prefix":"/auth2"`
	adminAuth2 = admin + auth2
)

// TestSitesRefuseHandlersThatDisagree provisions configurations the way `caddy validate` does:
// handlers of one site that a request may meet one after the other must agree on the
// session; the error names the site, both handlers, the setting and the fix.
func TestSitesRefuseHandlersThatDisagree(t *testing.T) {
	tests := []struct {
		name   string
		routes []string // the server's top-level routes
		want   []string // in the error; none for a configuration that loads
	}{
		{"handlers that agree", []string{siteRoute("a.example", route("", kg("")), route("", kg(admin)))}, nil},
		{"two handlers in one route, another path_prefix", []string{siteRoute("a.example", route("", kg(""), kg(adminAuth2)))},
			[]string{"site a.example: " + siteFix, "handler for every request and the one matching " +
				`[{"path":["/admin/*"]}] (this one) differ in path_prefix (/.auth before, /auth2 here)`}},
		{"site-wide handler and one in a handle block", []string{siteRoute("a.example",
			route("", kg("")),
			route(`"group":"group0",`, sub(route("", kg(auth2)))))},
			[]string{"site a.example: ", "differ in path_prefix"}},
		{"another cookie_secret", []string{siteRoute("a.example", route("", kg(""), kg(`,"cookie_secrets":["`+strings.Repeat("x", 32)+`"]`)))},
			[]string{"differ in cookie_secret"}},
		{"another provider", []string{siteRoute("a.example", route("", kg(""), kg(`,"provider":"oidc"`)))},
			[]string{"differ in provider (kakao before, oidc here)"}},
		{"another client_secret", []string{siteRoute("a.example", route("", kg(`,"client_secret":"one"`), kg(`,"client_secret":"two"`)))},
			[]string{"differ in client_secret"}},
		{"a provider block only in one", []string{siteRoute("a.example", route("", kg(""),
			kg(`,"providers":[{"name":"corp","issuer":"http://127.0.0.1:2","client_id":"c"}]`)))},
			[]string{"differ in provider <name> { … } blocks"}},
		{"another cookie_domain", []string{siteRoute("a.example", route("", kg(`,"cookie_domain":"a.example"`), kg(`,"cookie_domain":"b.example"`)))},
			[]string{"differ in cookie_domain (a.example before, b.example here)"}},
		{"another session_cookie", []string{siteRoute("a.example", route("", kg(""), kg(`,"session_cookie":"browser"`)))},
			[]string{"differ in session_cookie (persistent before, browser here)"}},
		{"another session_lifetime", []string{siteRoute("a.example", route("", kg(""), kg(`,"session_lifetime":"2h"`)))},
			[]string{"differ in session (the store, session_lifetime"}},
		{"another client_id, nested twice", []string{siteRoute("a.example",
			route("", sub(route("", kg("")))),
			route("", sub(route("", sub(route("", kg(`,"client_id":"other"`)))))))},
			[]string{"differ in client_id (id before, other here)"}},
		{"handle blocks of one group exclude each other", []string{siteRoute("a.example",
			route(`"group":"group0","match":[{"path":["/app/*"]}],`, sub(route("", kg(`,"path_prefix":"/app/.auth"`)))),
			route(`"group":"group0",`, sub(route("", kg("")))))}, nil},
		{"a terminal route ends the list", []string{siteRoute("a.example",
			route(`"terminal":true,`, kg("")), route("", kg(auth2)))}, nil},
		{"different sites", []string{siteRoute("a.example", route("", kg(""))), siteRoute("b.example", route("", kg(auth2)))}, nil},
		{"a site without a host matcher", []string{route("", kg(""), kg(auth2))},
			[]string{"server srv0 (127.0.0.1:1): ", "differ in path_prefix"}},
		{"a site without a host matcher, a handler in a handle block", []string{
			route("", kg("")), route(`"group":"group0",`, sub(route("", kg(auth2))))},
			[]string{"server srv0 (127.0.0.1:1): ", "differ in path_prefix"}},
		{"routes for other host names", []string{
			route(`"match":[{"host":["a.example"]}],`, kg("")), route(`"match":[{"host":["b.example"]}],`, kg(auth2))}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := validateServer(t, tt.routes, nil)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("loaded, want a refusal")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

// TestErrorRoutesAreAChainOfTheirOwn: a server's error routes run as a chain of their own:
// their handlers must agree with each other, not with those of the routes.
func TestErrorRoutesAreAChainOfTheirOwn(t *testing.T) {
	routes := []string{siteRoute("a.example", route("", kg("")))}
	if err := validateServer(t, routes, []string{route("", kg(auth2))}); err != nil {
		t.Fatalf("an error route's handler with its own path_prefix: %v", err)
	}
	err := validateServer(t, routes, []string{route("", kg(auth2)), route("", kg(""))})
	if err == nil || !strings.Contains(err.Error(), "server srv0 (127.0.0.1:1): "+siteFix) ||
		!strings.Contains(err.Error(), "differ in path_prefix") {
		t.Fatalf("got %v, want a refusal naming the server and path_prefix", err)
	}
}

// validateServer runs caddy.Validate on one server, with TLS, with routes and error routes.
func validateServer(t *testing.T, routes, errorRoutes []string) error {
	t.Helper()
	return validateServerWith(t, `"tls_connection_policies":[{}],`, routes, errorRoutes)
}

// validateServerWith runs caddy.Validate on one server with more fields (`"name":…,`,
// ending in a comma), routes and error routes.
func validateServerWith(t *testing.T, fields string, routes, errorRoutes []string) error {
	t.Helper()
	raw := `{"apps":{"http":{"servers":{"srv0":{"listen":["127.0.0.1:1"],"automatic_https":{"disable":true},` + fields +
		`"routes":[` + strings.Join(routes, ",") + `],"errors":{"routes":[` + strings.Join(errorRoutes, ",") + `]}}}}}}`
	var cfg caddy.Config
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		t.Fatal(err)
	}
	return caddy.Validate(&cfg)
}

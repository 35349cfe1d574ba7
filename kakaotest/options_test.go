package kakaotest

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

func TestNewRejectsUnworkableOptions(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want string // a word the error must name
	}{
		{"issuer is required", Options{}, "Issuer"},
		{"issuer must be absolute", Options{Issuer: "127.0.0.1:9090"}, "Issuer"},
		{"webhook method GET or POST", Options{Issuer: "http://127.0.0.1:9090", WebhookMethod: "PUT"}, "WebhookMethod"},
		{"redirect URIs absolute", Options{Issuer: "http://127.0.0.1:9090", RedirectURIs: []string{"/callback"}}, "RedirectURIs"},
		{"unknown default scope", Options{Issuer: "http://127.0.0.1:9090", Scopes: []string{"openid", "shoe_size"}}, "Scopes"},
		{"unknown consent item", Options{Issuer: "http://127.0.0.1:9090", ConsentItems: []string{"shoe_size"}}, "ConsentItems"},
		{"openid is not a consent item", Options{Issuer: "http://127.0.0.1:9090", ConsentItems: []string{"openid"}}, "ConsentItems"},
		{"default scope outside consent items", Options{Issuer: "http://127.0.0.1:9090", ConsentItems: []string{"profile_nickname"}}, "Scopes"},
		{"webhook format", Options{Issuer: "http://127.0.0.1:9090", WebhookFormat: "xml"}, "WebhookFormat"},
		{"talk user must exist", Options{Issuer: "http://127.0.0.1:9090", TalkUserID: 42}, "TalkUserID"},
		{"duplicate user ids", Options{Issuer: "http://127.0.0.1:9090", Users: []User{{ID: 1001}, {ID: 1001}}}, "Users"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one naming %s", err, tt.want)
			}
		})
	}
}

func TestDiscoveryUsesConfiguredIssuer(t *testing.T) {
	e, err := New(Options{Issuer: "http://127.0.0.1:9090/kakao/"})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodGet, "http://evil.test/kakao/.well-known/openid-configuration", nil)
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	body := rec.Body.String()
	if rec.Code != 200 || strings.Contains(body, "evil.test") {
		t.Fatalf("%d %s", rec.Code, body)
	}
	srv := newEmu(t, nil)
	_, doc := getJSON(t, srv, "/.well-known/openid-configuration", "")
	want := map[string]string{
		"issuer":                 srv.URL(),
		"authorization_endpoint": srv.URL() + "/oauth/authorize",
		"token_endpoint":         srv.URL() + "/oauth/token",
		"userinfo_endpoint":      srv.URL() + "/v1/oidc/userinfo",
		"jwks_uri":               srv.URL() + "/.well-known/jwks.json",
	}
	for k, v := range want {
		if doc[k] != v {
			t.Errorf("%s = %v, want %s", k, doc[k], v)
		}
	}
	var keys []string
	for k := range doc {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	wantKeys := []string{"authorization_endpoint", "claims_supported", "code_challenge_methods_supported",
		"grant_types_supported", "id_token_signing_alg_values_supported", "issuer", "jwks_uri",
		"request_uri_parameter_supported", "response_modes_supported", "response_types_supported",
		"subject_types_supported", "token_endpoint", "token_endpoint_auth_methods_supported", "userinfo_endpoint"}
	if !slices.Equal(keys, wantKeys) {
		t.Fatalf("fields %v", keys)
	}
	// A path outside the issuer's prefix is not served.
	rec = httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://127.0.0.1:9090/.well-known/openid-configuration", nil))
	if rec.Code != http.StatusNotFound {
		t.Fatalf("outside the prefix: %d", rec.Code)
	}
}

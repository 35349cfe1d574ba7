package caddymodule

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/kakaogate/kakaogate/config"
)

const testSecret = "caddymodule-test-secret-0123456789abcdef"

func newContext(t *testing.T) caddy.Context {
	t.Helper()
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	t.Cleanup(cancel)
	return ctx
}

func validHandler() *Handler {
	return &Handler{Config: config.Config{
		ClientID:      "id",
		Issuer:        "http://127.0.0.1:1", // nothing listens: provisioning must not care
		APIURL:        "http://127.0.0.1:1",
		CookieSecrets: []string{testSecret},
	}}
}

func TestProvisionIsOfflineAndSharesPools(t *testing.T) {
	a, b := validHandler(), validHandler()
	for _, h := range []*Handler{a, b} {
		if err := h.Provision(newContext(t)); err != nil {
			t.Fatalf("Provision with the IdP down: %v", err)
		}
	}
	if n, _ := storePool.References(a.storeKey); n != 2 {
		t.Fatalf("store references = %d, want 2 (shared)", n)
	}
	if n, _ := providerPool.References(a.providerKey); n != 2 {
		t.Fatalf("provider references = %d, want 2 (shared)", n)
	}
	key := a.storeKey
	for _, h := range []*Handler{a, b} {
		if err := h.Cleanup(); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok := storePool.References(key); ok {
		t.Fatal("store still pooled after every handler cleaned up")
	}
}

// load provisions and validates h as Caddy loads a module: Provision, then Validate if
// Provision succeeded.
func load(h *Handler, ctx caddy.Context) error {
	if err := h.Provision(ctx); err != nil {
		return err
	}
	return h.Validate()
}

// TestValidateReportsWhatProvisionLeftUnbuilt: Provision fills defaults in and builds nothing
// from options with a mistake; Validate reports the mistake with its fix and changes nothing.
func TestValidateReportsWhatProvisionLeftUnbuilt(t *testing.T) {
	h := validHandler()
	h.CookieSecrets = []string{"short"}
	if err := h.Provision(newContext(t)); err != nil {
		t.Fatalf("Provision of options with a mistake = %v, want nil (Validate reports it)", err)
	}
	t.Cleanup(func() { _ = h.Cleanup() })
	if h.gw != nil || h.storeKey != "" || h.providerKey != "" || h.metricsKey != "" {
		t.Fatal("Provision built the gateway or acquired pooled resources from invalid options")
	}
	if h.PathPrefix != config.DefaultPathPrefix {
		t.Fatalf("Provision did not fill the defaults in: path_prefix %q", h.PathPrefix)
	}
	before := h.Config
	err := h.Validate()
	if err == nil || !strings.Contains(err.Error(), "cookie_secret #1 must be at least 32 bytes") {
		t.Fatalf("Validate = %v, want the cookie_secret mistake", err)
	}
	if !reflect.DeepEqual(h.Config, before) {
		t.Fatal("Validate changed the options")
	}

	ok := validHandler()
	if err := load(ok, newContext(t)); err != nil {
		t.Fatalf("valid options: %v", err)
	}
	t.Cleanup(func() { _ = ok.Cleanup() })
	if err := new(Handler).Validate(); err == nil {
		t.Fatal("Validate accepted a handler that was never provisioned")
	}
}

func TestCleanupIsSafeAfterPartialProvision(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Handler)
		want   string
	}{
		{"invalid config", func(h *Handler) { h.CookieSecrets = []string{"short"} }, "cookie_secret"},
		{"missing templates directory", func(h *Handler) { h.Templates = "/nonexistent/kakaogate-templates" }, "templates /nonexistent/kakaogate-templates"},
		{"bad matcher module", func(h *Handler) {
			h.Protect = caddyhttp.RawMatcherSets{{"no_such_matcher": []byte(`{}`)}}
		}, "protect matchers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := validHandler()
			tt.mutate(h)
			err := load(h, newContext(t))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Provision+Validate = %v, want an error mentioning %q", err, tt.want)
			}
			if err := h.Cleanup(); err != nil {
				t.Fatalf("Cleanup after a failed Provision: %v", err)
			}
			if err := h.Cleanup(); err != nil {
				t.Fatalf("second Cleanup: %v", err)
			}
		})
	}
}

func TestProvisionExpandsEnvironmentPlaceholders(t *testing.T) {
	t.Setenv("KAKAOGATE_TEST_SECRET", testSecret)
	t.Setenv("KAKAOGATE_TEST_CLIENT", "rest-key")
	h := validHandler()
	h.ClientID = "{env.KAKAOGATE_TEST_CLIENT}"
	h.CookieSecrets = []string{"{env.KAKAOGATE_TEST_SECRET}"}
	t.Setenv("KAKAOGATE_TEST_SENTINEL_USER", "sentinel-user")
	t.Setenv("KAKAOGATE_TEST_SENTINEL_PASSWORD", "sentinel-secret")
	h.Session = &config.SessionStore{Store: config.StoreRedisSentinel, MasterName: "m", Addresses: []string{"127.0.0.1:1"},
		SentinelUsername: "{env.KAKAOGATE_TEST_SENTINEL_USER}", SentinelPassword: "{env.KAKAOGATE_TEST_SENTINEL_PASSWORD}"}
	if err := h.Provision(newContext(t)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Cleanup() })
	if h.ClientID != "rest-key" || h.CookieSecrets[0] != testSecret {
		t.Fatalf("placeholders not expanded: %q", h.ClientID)
	}
	if h.Session.SentinelUsername != "sentinel-user" || h.Session.SentinelPassword != "sentinel-secret" {
		t.Fatalf("sentinel credentials not expanded: %q", h.Session.SentinelUsername)
	}
}

// TestProvisionChecksTheTemplatesDirectory: the templates option is read (placeholders
// expanded) and checked when the configuration loads; a page that cannot render is refused
// with the file's problem.
func TestProvisionChecksTheTemplatesDirectory(t *testing.T) {
	good, bad := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(good, "error.html"), []byte(`{{template "head" .}}<p>{{.Title}}</p>{{template "foot" .}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bad, "consent.html"), []byte(`{{range .Scopes}}{{.Name}}{{end}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("KAKAOGATE_TEST_TEMPLATES", good)
	h := validHandler()
	h.Templates = "{env.KAKAOGATE_TEST_TEMPLATES}"
	if err := h.Provision(newContext(t)); err != nil {
		t.Fatalf("Provision with a good templates directory: %v", err)
	}
	_ = h.Cleanup()

	h = validHandler()
	h.Templates = bad
	err := h.Provision(newContext(t))
	if err == nil || !strings.Contains(err.Error(), "page consent") {
		t.Fatalf("Provision with a broken consent.html = %v, want an error naming the page", err)
	}
	if err := h.Cleanup(); err != nil {
		t.Fatal(err)
	}
}

func TestProtectMatcherLetsOtherRequestsPassWithoutForgedHeaders(t *testing.T) {
	h := validHandler()
	h.Protect = caddyhttp.RawMatcherSets{{"path": []byte(`["/private/*"]`)}}
	if err := h.Provision(newContext(t)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.Cleanup() })

	var seen http.Header
	next := caddyhttp.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		seen = r.Header.Clone()
		return nil
	})
	serve := func(path string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", path, nil)
		r.Header.Set("Accept", "application/json")
		r.Header.Set("X-Auth-User-Id", "forged")
		repl := caddy.NewReplacer()
		r = r.WithContext(context.WithValue(r.Context(), caddy.ReplacerCtxKey, repl))
		w := httptest.NewRecorder()
		seen = nil
		if err := h.ServeHTTP(w, r, next); err != nil {
			t.Fatal(err)
		}
		return w
	}
	if w := serve("/public"); seen == nil || seen.Get("X-Auth-User-Id") != "" || w.Code != http.StatusOK {
		t.Fatalf("unprotected request: code %d, upstream saw %v", w.Code, seen)
	}
	if w := serve("/private/x"); seen != nil || w.Code != http.StatusUnauthorized {
		t.Fatalf("protected request without a session: code %d, upstream reached: %v", w.Code, seen != nil)
	}
	if w := serve("/.auth/me"); seen != nil || w.Code != http.StatusUnauthorized {
		t.Fatalf("endpoint outside the matcher must still be served: code %d", w.Code)
	}
}

func TestUserPlaceholders(t *testing.T) {
	repl := caddy.NewReplacer()
	r := httptest.NewRequest("GET", "/", nil)
	r = r.WithContext(context.WithValue(r.Context(), caddy.ReplacerCtxKey, repl))
	setUserPlaceholders(r, map[string]string{"id": "1001", "nickname": "라이언"})
	if v, _ := repl.Get("http.auth.user.id"); v != "1001" {
		t.Fatalf("{http.auth.user.id} = %v", v)
	}
	if v, _ := repl.Get("http.auth.user.nickname"); v != "라이언" {
		t.Fatalf("{http.auth.user.nickname} = %v", v)
	}
}

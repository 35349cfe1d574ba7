package caddyemulator

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	_ "github.com/caddyserver/caddy/v2/modules/standard"
)

func TestUnmarshalCaddyfile(t *testing.T) {
	tests := []struct {
		name    string
		input   string
		want    Handler
		wantErr string
	}{
		{
			name: "every option",
			input: `kakao_emulator {
				issuer http://127.0.0.1:9090
				client_id my-key
				client_secret {env.SECRET}
				admin_key admin
				app_id 42
				redirect_uri http://localhost:8080/.auth/callback http://127.0.0.1:8080/.auth/callback
				redirect_uri http://app.test/cb
				logout_redirect_uri http://localhost:8080/.auth/logout/callback
				webhook_url http://localhost:8080/.auth/webhook/unlink
				webhook_method get
				webhook_format json_numbers
				webhook_allow_non_loopback
				auto_link off
				scopes openid profile_nickname
				consent_items profile_nickname account_email
				app_name "My Shop"
				talk_user 1004
			}`,
			want: Handler{
				Issuer: "http://127.0.0.1:9090", ClientID: "my-key", ClientSecret: "{env.SECRET}", AdminKey: "admin", AppID: "42",
				RedirectURIs:            []string{"http://localhost:8080/.auth/callback", "http://127.0.0.1:8080/.auth/callback", "http://app.test/cb"},
				LogoutRedirectURIs:      []string{"http://localhost:8080/.auth/logout/callback"},
				WebhookURL:              "http://localhost:8080/.auth/webhook/unlink",
				WebhookMethod:           "GET",
				WebhookFormat:           "json_numbers",
				WebhookAllowNonLoopback: true,
				DisableAutoLink:         true,
				Scopes:                  []string{"openid", "profile_nickname"},
				ConsentItems:            []string{"profile_nickname", "account_email"},
				AppName:                 "My Shop",
				TalkUserID:              1004,
			},
		},
		{name: "client_secret off disables the secret", input: "kakao_emulator {\nissuer http://127.0.0.1:9090\nclient_secret off\n}",
			want: Handler{Issuer: "http://127.0.0.1:9090", DisableClientSecret: true}},
		{name: "unknown option", input: "kakao_emulator {\nissuer http://x\nbogus 1\n}", wantErr: `unknown kakao_emulator option "bogus"`},
		{name: "repeated issuer", input: "kakao_emulator {\nissuer http://a\nissuer http://b\n}", wantErr: "issuer is given twice; give it once"},
		{name: "issuer takes one argument", input: "kakao_emulator {\nissuer http://a http://b\n}", wantErr: "issuer takes one value"},
		{name: "inline arguments are refused", input: "kakao_emulator http://a", wantErr: "wrong argument count"},
		{name: "bad webhook method", input: "kakao_emulator {\nwebhook_method PUT\n}", wantErr: "webhook_method \"PUT\" is not supported: use GET or POST"},
		{name: "bad webhook format", input: "kakao_emulator {\nwebhook_format xml\n}", wantErr: "webhook_format \"xml\" is not supported: use form, json or json_numbers"},
		{name: "consent_items needs a scope", input: "kakao_emulator {\nconsent_items\n}", wantErr: "consent_items needs a value"},
		{name: "bad auto_link", input: "kakao_emulator {\nauto_link maybe\n}", wantErr: "auto_link \"maybe\" is not supported: use on or off"},
		{name: "bad app_id", input: "kakao_emulator {\napp_id abc\n}", wantErr: "app_id"},
		{name: "bad talk_user", input: "kakao_emulator {\ntalk_user ryan\n}", wantErr: "talk_user"},
		{name: "redirect_uri needs a URL", input: "kakao_emulator {\nredirect_uri\n}", wantErr: "redirect_uri needs a value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h Handler
			err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser(tt.input))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(h, tt.want) {
				t.Fatalf("got %+v\nwant %+v", h, tt.want)
			}
		})
	}
}

func TestCaddyfileAdaptsBeforeRespond(t *testing.T) {
	input := `http://127.0.0.1:9090 {
		respond /health "ok"
		kakao_emulator {
			issuer http://127.0.0.1:9090
		}
	}`
	out, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(input), nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := string(out)
	emu, respond := strings.Index(cfg, `"handler":"kakao_emulator"`), strings.Index(cfg, `"handler":"static_response"`)
	if emu < 0 || respond < 0 || emu > respond {
		t.Fatalf("kakao_emulator must come before respond without an order line: %s", cfg)
	}
	if !strings.Contains(cfg, `"issuer":"http://127.0.0.1:9090"`) {
		t.Fatalf("issuer not in the JSON: %s", cfg)
	}
}

// provision provisions a handler from JSON the way Caddy would.
func provision(t *testing.T, raw string) (*Handler, error) {
	t.Helper()
	ctx, cancel := caddy.NewContext(caddy.Context{Context: context.Background()})
	t.Cleanup(cancel)
	var h Handler
	if err := json.Unmarshal([]byte(raw), &h); err != nil {
		t.Fatal(err)
	}
	if err := h.Provision(ctx); err != nil {
		return &h, err
	}
	return &h, h.Validate()
}

// get serves one request through h and returns the recorder.
func get(t *testing.T, h *Handler, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "http://emulator.test"+path, nil)
	if err := h.ServeHTTP(rec, req, nil); err != nil {
		t.Fatal(err)
	}
	return rec
}

func TestProvision(t *testing.T) {
	t.Setenv("KAKAOTEST_SECRET", "from-env")
	tests := []struct {
		name    string
		json    string
		wantErr string
	}{
		{"issuer and defaults", `{"issuer":"http://127.0.0.1:9090"}`, ""},
		{"placeholders in secrets", `{"issuer":"http://127.0.0.1:9090","client_secret":"{env.KAKAOTEST_SECRET}"}`, ""},
		{"missing issuer names the fix", `{}`, "issuer is required"},
		{"relative issuer", `{"issuer":"127.0.0.1:9090"}`, "absolute"},
		{"bad webhook method", `{"issuer":"http://127.0.0.1:9090","webhook_method":"PUT"}`, "webhook_method"},
		{"relative redirect uri", `{"issuer":"http://127.0.0.1:9090","redirect_uris":["/cb"]}`, "absolute URL"},
		{"unknown talk user", `{"issuer":"http://127.0.0.1:9090","talk_user_id":7}`, "talk_user 7 is not a test user"},
		{"consent items and app name", `{"issuer":"http://127.0.0.1:9090","consent_items":["profile_nickname","profile_image","account_email"],"app_name":"Shop"}`, ""},
		{"default scopes outside consent items", `{"issuer":"http://127.0.0.1:9090","consent_items":["profile_nickname"]}`, "not one of ConsentItems"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := provision(t, tt.json)
			t.Cleanup(func() {
				if err := h.Cleanup(); err != nil {
					t.Error(err)
				}
			})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(tt.json, "env.") && h.ClientSecret != "from-env" {
				t.Fatalf("client secret not expanded: %q", h.ClientSecret)
			}
			rec := get(t, h, "/.well-known/openid-configuration")
			var doc map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil || doc["issuer"] != "http://127.0.0.1:9090" {
				t.Fatalf("discovery %d %s", rec.Code, rec.Body)
			}
		})
	}
}

func TestPoolSharesStateAcrossReloads(t *testing.T) {
	const cfg = `{"issuer":"http://127.0.0.1:9091"}`
	first, err := provision(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	jwks := get(t, first, "/.well-known/jwks.json").Body.String()
	// A reload provisions the new handler before cleaning up the old one.
	second, err := provision(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Cleanup(); err != nil {
		t.Fatal(err)
	}
	if got := get(t, second, "/.well-known/jwks.json").Body.String(); got != jwks {
		t.Fatal("same config after a reload got a different emulator (keys changed)")
	}
	other, err := provision(t, `{"issuer":"http://127.0.0.1:9091","client_id":"other"}`)
	if err != nil {
		t.Fatal(err)
	}
	if get(t, other, "/.well-known/jwks.json").Body.String() == jwks {
		t.Fatal("a different config shares the emulator")
	}
	key := second.poolKey
	for _, h := range []*Handler{second, other} {
		if err := h.Cleanup(); err != nil {
			t.Fatal(err)
		}
	}
	if _, ok := pool.References(key); ok {
		t.Fatal("the pool kept the emulator after its last handler was cleaned up")
	}
	fresh, err := provision(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer fresh.Cleanup()
	if get(t, fresh, "/.well-known/jwks.json").Body.String() == jwks {
		t.Fatal("the emulator outlived its last handler")
	}
}

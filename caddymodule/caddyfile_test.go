package caddymodule

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddyconfig"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	_ "github.com/caddyserver/caddy/v2/modules/standard"
)

// adapt turns a Caddyfile into indented JSON the way `caddy adapt` does.
func adapt(t *testing.T, src string) (string, error) {
	t.Helper()
	adapter := caddyconfig.GetAdapter("caddyfile")
	out, _, err := adapter.Adapt([]byte(src), map[string]any{"filename": "Caddyfile"})
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, out, "", "\t"); err != nil {
		t.Fatal(err)
	}
	return buf.String(), nil
}

// TestCaddyfileAdaptGolden adapts every testdata/caddyfile_adapt/*.caddyfiletest and compares
// the JSON with the expectation after the ---------- line. Set KAKAOGATE_UPDATE_GOLDEN=1 to
// rewrite the expectations after a deliberate change.
func TestCaddyfileAdaptGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/caddyfile_adapt/*.caddyfiletest")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".caddyfiletest"), func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			src, want, ok := strings.Cut(string(raw), "\n----------\n")
			if !ok {
				t.Fatalf("%s has no ---------- separator", f)
			}
			got, err := adapt(t, src)
			if err != nil {
				t.Fatalf("adapting: %v", err)
			}
			if os.Getenv("KAKAOGATE_UPDATE_GOLDEN") == "1" {
				if err := os.WriteFile(f, []byte(src+"\n----------\n"+got+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if strings.TrimSpace(got) != strings.TrimSpace(want) {
				t.Errorf("adapted JSON differs from %s\n--- got ---\n%s", f, got)
			}
		})
	}
}

func TestCaddyfileErrorsNameTheOption(t *testing.T) {
	tests := []struct {
		name, block, want string
	}{
		{"unknown option", "colour blue", `unknown kakaogate option "colour"`},
		{"bearer with a value", "bearer on", "bearer takes no value or off"},
		{"bearer unknown sub-option", "bearer {\n audience x\n }", `unknown bearer option "audience"`},
		{"bearer audiences without values", "bearer {\n audiences\n }", "audiences needs at least one value"},
		{"repeated option", "client_id a\n client_id b", "client_id is given twice"},
		{"client id without value", "client_id", "client_id needs a value"},
		{"client id with two values", "client_id a b", "client_id takes one value"},
		{"bad provider", "provider google", `provider "google" is not supported: use kakao or oidc`},
		{"bad logout", "logout everywhere", `logout "everywhere" is not supported: use service or account`},
		{"session without store", "session", "session needs a store"},
		{"session redis without url", "session redis", "session redis takes one URL"},
		{"session memory with args", "session memory x", "session memory takes no value"},
		{"sentinel without addrs", "session redis_sentinel mymaster", "redis_sentinel needs the master name"},
		{"unknown store", "session etcd", `session "etcd" is not supported`},
		{"unknown session option", "session redis_cluster a:1 {\n ssl\n }", `unknown session option "ssl"`},
		{"session tls with a value", "session redis_cluster a:1 {\n tls on\n }", "session tls takes no value"},
		{"sentinel password without value", "session redis_sentinel m a:1 {\n sentinel_password\n }", "sentinel_password needs a value"},
		{"sentinel username with two values", "session redis_sentinel m a:1 {\n sentinel_username a b\n }", "sentinel_username takes one value"},
		{"header with one arg", "header X-Auth-Id", "header takes a header name and a claim"},
		{"bad lifetime", "session_lifetime forever", `session_lifetime "forever"`},
		{"insecure cookies with arg", "insecure_cookies yes", "insecure_cookies takes no value"},
		{"optional with arg", "optional yes", "optional takes no value"},
		{"allow without value", "allow gender", "allow takes a claim and at least one value"},
		{"bad auto login", "auto_login always", `auto_login "always" is not supported: use kakaotalk or off`},
		{"bad prompt", "prompt none", `prompt "none" is not supported`},
		{"repeated signup", "signup app\n signup auto", "signup is given twice"},
		{"scopes empty", "scopes", "scopes needs at least one value"},
		{"signup properties empty", "signup_properties", "signup_properties needs at least one value"},
		{"signup property fixed twice", "signup_properties plan=a plan=b", `signup_properties gives "plan" twice`},
		{"templates without a directory", "templates", "templates needs a value"},
		{"templates with two directories", "templates a b", "templates takes one value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := caddyfile.NewTestDispenser("kakaogate {\n " + tt.block + "\n}")
			err := new(Handler).UnmarshalCaddyfile(d)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestCaddyfileParsesEveryOption(t *testing.T) {
	d := caddyfile.NewTestDispenser(`kakaogate {
		provider oidc
		client_id id
		client_secret {env.SECRET}
		issuer https://idp.example.com
		api_url https://kapi.example.com
		scopes openid profile
		property_keys kakao_account.email
		redirect_url https://app.example.com/.auth/callback
		path_prefix /.auth
		cookie_secret {env.NEW} {env.OLD}
		insecure_cookies
		session redis_sentinel mymaster 10.0.0.1:26379 10.0.0.2:26379 {
			password {env.REDIS_PASSWORD}
			sentinel_username sentinel-reader
			sentinel_password {env.SENTINEL_PASSWORD}
			tls
		}
		session_lifetime 12h
		header X-User id
		header X-Mail email
		logout account
		post_logout_redirect /bye
		templates {env.KAKAOGATE_TEMPLATES}
		auto_login off
		optional
		admin_key {env.KAKAO_ADMIN_KEY}
		app_id 100001
		on_unlink http://127.0.0.1:3000/unlinked
		admin_token {env.ADMIN_TOKEN}
		pass_access_token
		require_scope account_email
		require_scope gender
		allow email_domain example.com example.org
		allow age_range 20~29 30~39
		prompt select_account
		login_hint ryan@example.com
		service_terms terms_a terms_b
		signup auto
		signup_properties plan=free "motto=hello world" empty= marketing_opt_in ref
		assertion
	}`)
	var h Handler
	if err := h.UnmarshalCaddyfile(d); err != nil {
		t.Fatal(err)
	}
	c := h.Config
	if c.Provider != "oidc" || c.ClientSecret != "{env.SECRET}" || len(c.CookieSecrets) != 2 || !c.InsecureCookies {
		t.Fatalf("parsed %+v", c)
	}
	if c.Session.Store != "redis_sentinel" || c.Session.MasterName != "mymaster" || len(c.Session.Addresses) != 2 || c.Session.Password != "{env.REDIS_PASSWORD}" ||
		c.Session.SentinelUsername != "sentinel-reader" || c.Session.SentinelPassword != "{env.SENTINEL_PASSWORD}" || !c.Session.TLS {
		t.Fatalf("session %+v", c.Session)
	}
	if len(c.Headers) != 2 || c.Headers[1].Header != "X-Mail" || c.Logout != "account" || c.PostLogoutRedirect != "/bye" ||
		c.Templates != "{env.KAKAOGATE_TEMPLATES}" {
		t.Fatalf("parsed %+v", c)
	}
	f := c // the login, access, unlink, admin and upstream options
	if f.AutoLogin != "off" || !f.Optional || f.AdminKey != "{env.KAKAO_ADMIN_KEY}" || f.AppID != "100001" ||
		f.OnUnlink == "" || f.AdminToken == "" || !f.PassAccessToken || len(f.RequireScopes) != 2 ||
		len(f.Allow) != 2 || f.Allow[1].Values[1] != "30~39" || f.Prompt != "select_account" ||
		f.LoginHint == "" || len(f.ServiceTerms) != 2 || f.Signup != "auto" || !f.Assertion {
		t.Fatalf("flow options parsed as %+v", f)
	}
	if len(f.SignupProperties) != 3 || f.SignupProperties["plan"] != "free" || f.SignupProperties["motto"] != "hello world" ||
		f.SignupProperties["empty"] != "" || strings.Join(f.SignupFormProperties, " ") != "marketing_opt_in ref" {
		t.Fatalf("signup_properties parsed as %v and %v", f.SignupProperties, f.SignupFormProperties)
	}
	if time.Duration(c.SessionLifetime) != 12*time.Hour {
		t.Fatalf("lifetime %v", c.SessionLifetime)
	}
}

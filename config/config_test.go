package config

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

func validKakao() Config {
	c := Config{ClientID: "rest-key", CookieSecrets: []string{strings.Repeat("s", 32)}}
	c.SetDefaults()
	return c
}

func TestSetDefaultsKakao(t *testing.T) {
	c := validKakao()
	if c.Provider != ProviderKakao || c.Issuer != DefaultKakaoIssuer || c.APIURL != DefaultKakaoAPIURL {
		t.Fatalf("kakao defaults not applied: %+v", c)
	}
	if len(c.Scopes) != 0 {
		t.Fatalf("kakao default scopes = %v, want none (Kakao asks for the console's consent items)", c.Scopes)
	}
	if c.PathPrefix != "/.auth" || c.Session.Store != StoreMemory || time.Duration(c.SessionLifetime) != 24*time.Hour {
		t.Fatalf("defaults not applied: %+v", c)
	}
	if len(c.Headers) != 3 || c.Headers[0] != (HeaderClaim{"X-Auth-User-Id", "id"}) {
		t.Fatalf("default headers = %v", c.Headers)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("a kakaogate with only the secrets set must validate: %v", err)
	}
}

func TestSetDefaultsOIDCScopes(t *testing.T) {
	c := Config{Provider: ProviderOIDC}
	c.SetDefaults()
	if strings.Join(c.Scopes, " ") != "openid profile email" || c.APIURL != "" {
		t.Fatalf("oidc defaults: scopes %v api_url %q", c.Scopes, c.APIURL)
	}
}

func TestValidateNamesTheOptionAndTheFix(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Config)
		want   string
	}{
		{"missing client id", func(c *Config) { c.ClientID = "" }, "client_id is required"},
		{"short secret", func(c *Config) { c.CookieSecrets = []string{"short"} }, "cookie_secret #1 must be at least 32 bytes, not 5"},
		{"no secret", func(c *Config) { c.CookieSecrets = nil }, "cookie_secret is required"},
		{"second short secret", func(c *Config) { c.CookieSecrets = append(c.CookieSecrets, "x") }, "cookie_secret #2"},
		{"unknown provider", func(c *Config) { c.Provider = "google" }, `provider "google" is not supported`},
		{"http issuer", func(c *Config) { c.Issuer = "http://idp.example.com" }, `issuer "http://idp.example.com": use https`},
		{"http api url", func(c *Config) { c.APIURL = "http://kapi.example.com" }, `api_url "http://kapi.example.com": use https`},
		{"relative issuer", func(c *Config) { c.Issuer = "kauth.kakao.com" }, "not an absolute URL"},
		{"scopes without openid", func(c *Config) { c.Scopes = []string{"profile_nickname"} }, "scopes must include openid"},
		{"prefix without slash", func(c *Config) { c.PathPrefix = "auth" }, "path_prefix"},
		{"prefix trailing slash", func(c *Config) { c.PathPrefix = "/auth/" }, "path_prefix"},
		{"relative redirect url", func(c *Config) { c.RedirectURL = "/.auth/callback" }, "redirect_url"},
		{"redirect url wrong path", func(c *Config) { c.RedirectURL = "https://app.example.com/cb" }, "must be /.auth/callback"},
		{"plain http redirect url off loopback", func(c *Config) { c.RedirectURL = "http://app.example.com/.auth/callback" }, "use https"},
		{"redis without url", func(c *Config) { c.Session = &SessionStore{Store: StoreRedis} }, "session redis needs a URL"},
		{"redis bad scheme", func(c *Config) { c.Session = &SessionStore{Store: StoreRedis, URL: "http://x"} }, "session redis needs a URL"},
		{"cluster without addrs", func(c *Config) { c.Session = &SessionStore{Store: StoreRedisCluster} }, "redis_cluster needs"},
		{"sentinel without master", func(c *Config) {
			c.Session = &SessionStore{Store: StoreRedisSentinel, Addresses: []string{"a:1"}}
		}, "redis_sentinel needs"},
		{"bad address", func(c *Config) {
			c.Session = &SessionStore{Store: StoreRedisCluster, Addresses: []string{"nohostport"}}
		}, "must be host:port"},
		{"unknown store", func(c *Config) { c.Session = &SessionStore{Store: "etcd"} }, `session "etcd" is not supported`},
		{"tiny lifetime", func(c *Config) { c.SessionLifetime = Duration(time.Second) }, "session_lifetime"},
		{"bad header name", func(c *Config) { c.Headers = []HeaderClaim{{"X Auth", "id"}} }, `header "X Auth"`},
		{"header without claim", func(c *Config) { c.Headers = []HeaderClaim{{"X-Auth-Id", ""}} }, "has no claim"},
		{"unknown logout", func(c *Config) { c.Logout = "global" }, `logout "global"`},
		{"offsite post logout", func(c *Config) { c.PostLogoutRedirect = "https://evil.example" }, "post_logout_redirect"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validKakao()
			tt.mutate(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate() = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestValidateAcceptsLoopbackHTTPAndRedis(t *testing.T) {
	c := validKakao()
	c.Issuer = "http://127.0.0.1:9090"
	c.APIURL = "http://localhost:9090"
	c.RedirectURL = "http://localhost:8080/.auth/callback"
	c.Session = &SessionStore{Store: StoreRedis, URL: "redis://127.0.0.1:6379/0"}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	c.RedirectURL, c.InsecureCookies = "http://staging.example.com/.auth/callback", true // a test setup
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestIsLocalPath(t *testing.T) {
	tests := map[string]bool{
		"/": true, "/app?x=1": true, "/a/b#frag": true,
		"": false, "//evil.com": false, `/\evil.com`: false, "/\t/evil.com": false,
		"https://evil.com": false, "javascript:alert(1)": false, "evil.com": false,
		"/ok\\evil": false, "/%09/evil.com": true, // stays a path on this site when decoded by the browser
	}
	for p, want := range tests {
		if got := IsLocalPath(p); got != want {
			t.Errorf("IsLocalPath(%q) = %v, want %v", p, got, want)
		}
	}
}

func TestInheritTakesGlobalDefaultsOnlyWhereUnset(t *testing.T) {
	global := Config{
		ClientID: "global-id", ClientSecret: "global-secret", CookieSecrets: []string{"g"},
		Scopes: []string{"openid", "a"}, Session: &SessionStore{Store: StoreRedis, URL: "redis://x"},
		InsecureCookies: true, SessionLifetime: Duration(time.Hour), Templates: "/etc/kakaogate/pages",
	}
	c := Config{ClientID: "site-id", Scopes: []string{"openid"}}
	c.Inherit(global)
	if c.Templates != "/etc/kakaogate/pages" {
		t.Fatalf("templates not inherited: %q", c.Templates)
	}
	if c.ClientID != "site-id" || c.ClientSecret != "global-secret" || c.CookieSecrets[0] != "g" {
		t.Fatalf("strings not inherited correctly: %+v", c)
	}
	if len(c.Scopes) != 1 || !c.InsecureCookies || c.Session.URL != "redis://x" || time.Duration(c.SessionLifetime) != time.Hour {
		t.Fatalf("inherit: %+v", c)
	}
	c.Session.URL = "changed"
	if global.Session.URL != "redis://x" {
		t.Fatal("Inherit must copy the session store, not share it")
	}
}

func TestDurationJSON(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{`"24h"`, 24 * time.Hour, true},
		{`"90m"`, 90 * time.Minute, true},
		{`60000000000`, time.Minute, true},
		{`"soon"`, 0, false},
		{`true`, 0, false},
	}
	for _, tt := range tests {
		var d Duration
		err := json.Unmarshal([]byte(tt.in), &d)
		if (err == nil) != tt.ok || (tt.ok && time.Duration(d) != tt.want) {
			t.Errorf("Unmarshal(%s) = %v, %v", tt.in, time.Duration(d), err)
		}
	}
	b, _ := json.Marshal(Duration(time.Hour))
	if string(b) != `"1h0m0s"` {
		t.Errorf("Marshal = %s", b)
	}
}

func TestFlowDefaults(t *testing.T) {
	k := validKakao()
	if k.AutoLogin != AutoLoginKakaoTalk || k.Signup != SignupApp {
		t.Fatalf("kakao flow defaults: auto_login %q signup %q", k.AutoLogin, k.Signup)
	}
	o := Config{Provider: ProviderOIDC}
	o.SetDefaults()
	if o.AutoLogin != AutoLoginOff {
		t.Fatalf("oidc auto_login default = %q, want off", o.AutoLogin)
	}
}

func TestValidateFlows(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Config)
		want   string // "" means valid
	}{
		{"webhook pair", func(c *Config) { c.AdminKey, c.AppID = "key", "100001" }, ""},
		{"admin key without app id", func(c *Config) { c.AdminKey = "key" }, "admin_key needs app_id"},
		{"app id without admin key", func(c *Config) { c.AppID = "100001" }, ""},
		{"bearer kakao without app id", func(c *Config) { c.Bearer = &BearerOptions{} }, "bearer with provider kakao needs app_id"},
		{"bearer kakao with app id", func(c *Config) { c.Bearer, c.AppID = &BearerOptions{}, "100001" }, ""},
		{"bearer kakao admin token without admin key", func(c *Config) {
			c.Bearer, c.AppID, c.AdminToken = &BearerOptions{}, "100001", strings.Repeat("t", 32)
		}, "admin_token with bearer needs admin_key"},
		{"bearer kakao admin token with admin key", func(c *Config) {
			c.Bearer, c.AppID, c.AdminToken, c.AdminKey = &BearerOptions{}, "100001", strings.Repeat("t", 32), "admin-key"
		}, ""},
		{"bearer kakao non-numeric app id", func(c *Config) { c.Bearer, c.AppID = &BearerOptions{}, "abc" }, "must be the numeric app id"},
		{"bearer off needs no app id", func(c *Config) { c.Bearer = &BearerOptions{Off: true} }, ""},
		{"bearer kakao audiences", func(c *Config) { c.Bearer, c.AppID = &BearerOptions{Audiences: []string{"x"}}, "1" }, "apply to provider oidc only"},
		{"bearer off with audiences", func(c *Config) { c.Bearer = &BearerOptions{Off: true, Audiences: []string{"x"}} }, "bearer off takes no audiences"},
		{"auto login with oidc", func(c *Config) { c.Provider, c.AutoLogin = ProviderOIDC, AutoLoginKakaoTalk }, "auto_login kakaotalk needs provider kakao"},
		{"unknown auto login", func(c *Config) { c.AutoLogin = "always" }, `auto_login "always"`},
		{"short admin token", func(c *Config) { c.AdminToken = "short" }, "admin_token must be at least 32 bytes, not 5"},
		{"on_unlink relative", func(c *Config) { c.OnUnlink = "/hooks" }, "on_unlink"},
		{"on_unlink internal http", func(c *Config) { c.OnUnlink = "http://app:3000/hooks" }, ""},
		{"require scope with comma", func(c *Config) { c.RequireScopes = []string{"a,b"} }, "require_scope"},
		{"allow without values", func(c *Config) { c.Allow = []AllowRule{{Claim: "gender"}} }, "allow needs a claim"},
		{"bad prompt", func(c *Config) { c.Prompt = "none" }, `prompt "none"`},
		{"bad signup", func(c *Config) { c.Signup = "never" }, `signup "never"`},
		{"id token max age too short", func(c *Config) { c.IDTokenMaxAge = Duration(time.Second) }, "id_token_max_age 1s"},
		{"per-client budget above the global one", func(c *Config) {
			c.FailedExchanges = &ExchangeLimit{Global: 5, PerClient: 6, Window: Duration(time.Minute)}
		}, "failed_exchange_limit needs"},
		{"failed exchange limit off", func(c *Config) { c.FailedExchanges = &ExchangeLimit{Off: true} }, ""},
		{"service terms with oidc", func(c *Config) {
			c.Provider, c.AutoLogin, c.ServiceTerms = ProviderOIDC, AutoLoginOff, []string{"t"}
		}, "service_terms is a Kakao option"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validKakao()
			tt.mutate(&c)
			err := c.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate() = %v, want %q", err, tt.want)
			}
		})
	}
}

// TestInheritFillsEveryOption: a handler that sets nothing inherits every global option, so
// an option added to Config (or to one of its embedded groups) cannot be forgotten in Inherit.
func TestInheritFillsEveryOption(t *testing.T) {
	global := Config{
		Provider: ProviderOIDC, ClientID: "id", ClientSecret: "secret", Issuer: "https://idp.example",
		APIURL: "https://api.example", Scopes: []string{"openid"}, PropertyKeys: []string{"k"},
		RedirectURL: "https://app.example/.auth/callback", PathPrefix: "/.auth", CookieSecrets: []string{"s"},
		InsecureCookies: true, Session: &SessionStore{Store: StoreMemory}, SessionLifetime: Duration(time.Hour),
		Headers: []HeaderClaim{{"X-Id", "id"}}, PassAccessToken: true, Assertion: true, Logout: LogoutAccount,
		PostLogoutRedirect: "/bye", Templates: "/t", Providers: []NamedProvider{{Name: "corp"}}, AdminToken: "t",
		Bearer: &BearerOptions{Off: true, Audiences: []string{"native"}},
		LoginOptions: LoginOptions{AutoLogin: AutoLoginOff, Optional: true, Prompt: PromptLogin, LoginHint: "h",
			ServiceTerms: []string{"terms"}, Signup: SignupAuto},
		SignupOptions: SignupOptions{SignupProperties: map[string]string{"plan": "free"}, SignupFormProperties: []string{"ref"}},
		AccessRules:   AccessRules{RequireScopes: []string{"gender"}, Allow: []AllowRule{{Claim: "gender", Values: []string{"female"}}}},
		UnlinkOptions: UnlinkOptions{AdminKey: "key", AppID: "1", OnUnlink: "http://127.0.0.1/unlinked"},
		CookieOptions: CookieOptions{CookieDomain: "app.example"},
		EdgeOptions: EdgeOptions{IDTokenMaxAge: Duration(time.Minute),
			FailedExchanges: &ExchangeLimit{Off: true, Global: 1, PerClient: 1, Window: Duration(time.Second)}},
		SessionOptions: SessionOptions{IdleTimeout: Duration(time.Minute), SessionCookie: SessionCookieBrowser, MaxSessionsPerUser: 7},
	}
	checkAllSet(t, reflect.ValueOf(global), "Config")
	var c Config
	c.Inherit(global)
	if !reflect.DeepEqual(c, global) {
		t.Fatalf("inherited\n%+v\nwant\n%+v", c, global)
	}
}

// checkAllSet fails for every field of v (embedded groups walked) left at its zero value.
func checkAllSet(t *testing.T, v reflect.Value, path string) {
	t.Helper()
	for i := range v.NumField() {
		f, sf := v.Field(i), v.Type().Field(i)
		switch {
		case sf.Anonymous:
			checkAllSet(t, f, path+"."+sf.Name)
		case f.IsZero():
			t.Errorf("%s.%s is not set in the test's global options: set it so Inherit is checked for it", path, sf.Name)
		}
	}
}

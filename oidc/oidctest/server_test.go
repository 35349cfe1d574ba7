package oidctest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

var sharedKey = sync.OnceValue(func() *Key { return NewRSAKey("key-1") })

func newTestServer(t *testing.T, opts Options) (*Server, *http.Client) {
	t.Helper()
	opts.Keys = []*Key{sharedKey()}
	s := NewServer(t, opts)
	c := s.HTTPClient()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return s, c
}

const verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"

func challenge(v string) string {
	sum := sha256.Sum256([]byte(v))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// authorize runs the authorization endpoint and returns the redirect's
// query.
func authorize(t *testing.T, s *Server, c *http.Client, mod func(q url.Values)) url.Values {
	t.Helper()
	q := url.Values{
		"response_type": {"code"}, "client_id": {s.ClientID}, "redirect_uri": {"https://rp.example/cb"},
		"state": {"st"}, "nonce": {"no"}, "code_challenge": {challenge(verifier)}, "code_challenge_method": {"S256"},
	}
	if mod != nil {
		mod(q)
	}
	res, err := c.Get(s.URL(Authorize) + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusFound {
		return url.Values{"status": {res.Status}}
	}
	loc, _ := url.Parse(res.Header.Get("Location"))
	return loc.Query()
}

// redeem posts a code grant and returns the status and JSON body.
func redeem(t *testing.T, s *Server, c *http.Client, form url.Values, basic bool) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, s.URL(Token), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic {
		req.SetBasicAuth(url.QueryEscape(s.ClientID), url.QueryEscape(s.ClientSecret))
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	_ = json.NewDecoder(res.Body).Decode(&m)
	return res.StatusCode, m
}

func TestTokenEndpointChecks(t *testing.T) {
	tests := []struct {
		name    string
		opts    Options
		form    func(f url.Values)
		basic   bool
		twice   bool
		wantErr string
	}{
		{name: "good code grant with client_secret_post"},
		{name: "client_secret_basic accepted when configured", opts: Options{AuthMethods: []string{"client_secret_basic"}},
			form: func(f url.Values) { f.Del("client_secret") }, basic: true},
		{name: "client_secret_basic refused when only post is configured",
			form: func(f url.Values) { f.Del("client_secret") }, basic: true, wantErr: "invalid_client"},
		{name: "both methods at once refused", opts: Options{AuthMethods: []string{"client_secret_basic", "client_secret_post"}},
			basic: true, wantErr: "invalid_request"},
		{name: "wrong secret", form: func(f url.Values) { f.Set("client_secret", "nope") }, wantErr: "invalid_client"},
		{name: "wrong PKCE verifier", form: func(f url.Values) { f.Set("code_verifier", strings.Repeat("a", 43)) }, wantErr: "invalid_grant"},
		{name: "missing PKCE verifier", form: func(f url.Values) { f.Del("code_verifier") }, wantErr: "invalid_grant"},
		{name: "redirect_uri not byte-identical", form: func(f url.Values) { f.Set("redirect_uri", "https://rp.example/cb/") }, wantErr: "invalid_grant"},
		{name: "code used twice", twice: true, wantErr: "invalid_grant"},
		{name: "unknown grant type", form: func(f url.Values) { f.Set("grant_type", "password") }, wantErr: "unsupported_grant_type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, c := newTestServer(t, tt.opts)
			back := authorize(t, s, c, nil)
			if back.Get("state") != "st" || back.Get("code") == "" {
				t.Fatalf("authorize redirect query = %v", back)
			}
			form := url.Values{
				"grant_type": {"authorization_code"}, "code": {back.Get("code")}, "redirect_uri": {"https://rp.example/cb"},
				"code_verifier": {verifier}, "client_id": {s.ClientID}, "client_secret": {s.ClientSecret},
			}
			if tt.form != nil {
				tt.form(form)
			}
			status, body := redeem(t, s, c, form, tt.basic)
			if tt.twice {
				status, body = redeem(t, s, c, form, tt.basic)
			}
			if tt.wantErr == "" {
				if status != 200 || body["id_token"] == nil || body["token_type"] != "bearer" || body["refresh_token"] == nil {
					t.Fatalf("status %d body %v", status, body)
				}
				return
			}
			if status < 400 || body["error"] != tt.wantErr {
				t.Fatalf("status %d body %v, want error %q", status, body, tt.wantErr)
			}
		})
	}
}

func TestAuthorizeEndpointChecks(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		mod  func(q url.Values)
		want url.Values // subset of the redirect query
	}{
		{name: "plain challenge refused", mod: func(q url.Values) { q.Set("code_challenge_method", "plain") }, want: url.Values{"error": {"invalid_request"}}},
		{name: "no challenge refused", mod: func(q url.Values) { q.Del("code_challenge") }, want: url.Values{"error": {"invalid_request"}}},
		{name: "token response type refused", mod: func(q url.Values) { q.Set("response_type", "token") }, want: url.Values{"error": {"unsupported_response_type"}}},
		{name: "unregistered redirect URI is not redirected to", opts: Options{RedirectURIs: []string{"https://rp.example/other"}},
			want: url.Values{"status": {"400 Bad Request"}}},
		{name: "unknown client", mod: func(q url.Values) { q.Set("client_id", "x") }, want: url.Values{"status": {"400 Bad Request"}}},
		{name: "iss parameter when enabled", opts: Options{IssParameter: true}, want: url.Values{"state": {"st"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, c := newTestServer(t, tt.opts)
			got := authorize(t, s, c, tt.mod)
			for k, v := range tt.want {
				if got.Get(k) != v[0] {
					t.Fatalf("%s = %q, want %q (query %v)", k, got.Get(k), v[0], got)
				}
			}
			if tt.opts.IssParameter && got.Get("iss") != s.Issuer {
				t.Fatalf("iss = %q, want %q", got.Get("iss"), s.Issuer)
			}
		})
	}
}

func TestFaultsCountsAndHooks(t *testing.T) {
	s, c := newTestServer(t, Options{IssuerPath: "/realms/x"})
	if !strings.HasSuffix(s.Issuer, "/realms/x") {
		t.Fatalf("issuer = %q", s.Issuer)
	}
	s.SetFault(JWKSURI, Fault{Status: 503, Body: []byte("down"), Header: http.Header{"Retry-After": {"1"}}, Delay: 20 * time.Millisecond})
	start := time.Now()
	res, err := c.Get(s.URL(JWKSURI))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 503 || string(b) != "down" || res.Header.Get("Retry-After") != "1" || time.Since(start) < 20*time.Millisecond {
		t.Fatalf("fault not applied: %d %q %v", res.StatusCode, b, res.Header)
	}
	s.ClearFault(JWKSURI)
	s.MutateDiscovery(func(d map[string]any) { d["issuer"] = "https://other" })
	res, err = c.Get(s.URL(Discovery))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	_ = json.NewDecoder(res.Body).Decode(&doc)
	res.Body.Close()
	if doc["issuer"] != "https://other" || doc["jwks_uri"] != s.URL(JWKSURI) {
		t.Fatalf("discovery = %v", doc)
	}
	if s.Count(JWKSURI) != 1 || s.Count(Discovery) != 1 || s.Count(Token) != 0 || len(s.Requests(JWKSURI)) != 1 {
		t.Fatal("counts or requests not recorded")
	}
}

func TestSigningAlgs(t *testing.T) {
	s, _ := newTestServer(t, Options{})
	for _, alg := range []string{"RS256", "PS256", "HS256", "none", "ES256", "EdDSA"} {
		switch alg {
		case "ES256":
			k := NewECKey("ec")
			s.SetKeys(k, k)
		case "EdDSA":
			k := NewEd25519Key("ed")
			s.SetKeys(k, k)
		}
		s.SetSigningAlg(alg)
		tok := s.IssueIDToken("n")
		parts := strings.Split(tok, ".")
		hb, _ := base64.RawURLEncoding.DecodeString(parts[0])
		var h map[string]any
		_ = json.Unmarshal(hb, &h)
		if h["alg"] != alg || (alg == "none") != (parts[2] == "") {
			t.Fatalf("%s: header %v, signature %q", alg, h, parts[2])
		}
	}
}

package oidc

import (
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/kakaogate/kakaogate/oidc/oidctest"
)

func TestAuthCodeURL(t *testing.T) {
	base := AuthRequest{
		RedirectURI: "http://localhost:8080/.auth/callback", State: "st", Nonce: "no",
		CodeChallenge: S256Challenge(strings.Repeat("v", 43)),
	}
	tests := []struct {
		name   string
		client func(c *Client)
		req    func(r *AuthRequest)
		want   url.Values // exact query
		errs   bool
	}{
		{name: "code flow with PKCE S256 and client scopes", want: url.Values{
			"response_type": {"code"}, "client_id": {"test-client"}, "redirect_uri": {base.RedirectURI},
			"scope": {"openid profile"}, "state": {"st"}, "nonce": {"no"},
			"code_challenge": {base.CodeChallenge}, "code_challenge_method": {"S256"},
		}},
		{name: "empty scope list omits the scope parameter", req: func(r *AuthRequest) { r.Scopes = []string{} }, want: url.Values{
			"response_type": {"code"}, "client_id": {"test-client"}, "redirect_uri": {base.RedirectURI},
			"state": {"st"}, "nonce": {"no"}, "code_challenge": {base.CodeChallenge}, "code_challenge_method": {"S256"},
		}},
		{name: "Kakao comma separator, request scopes, prompt, login_hint and extra", client: func(c *Client) { c.ScopeSeparator = "," },
			req: func(r *AuthRequest) {
				r.Scopes = []string{"openid", "account_email"}
				r.Prompt, r.LoginHint = "none", "kakao@example.com"
				r.Extra = url.Values{"service_terms": {"a,b"}}
			}, want: url.Values{
				"response_type": {"code"}, "client_id": {"test-client"}, "redirect_uri": {base.RedirectURI},
				"scope": {"openid,account_email"}, "state": {"st"}, "nonce": {"no"},
				"code_challenge": {base.CodeChallenge}, "code_challenge_method": {"S256"},
				"prompt": {"none"}, "login_hint": {"kakao@example.com"}, "service_terms": {"a,b"},
			}},
		{name: "Extra may not override state", req: func(r *AuthRequest) { r.Extra = url.Values{"state": {"evil"}} }, errs: true},
		{name: "Extra may not downgrade the challenge method", req: func(r *AuthRequest) { r.Extra = url.Values{"code_challenge_method": {"plain"}} }, errs: true},
		{name: "scope containing the separator refused", req: func(r *AuthRequest) { r.Scopes = []string{"openid email"} }, errs: true},
		{name: "empty scope refused", req: func(r *AuthRequest) { r.Scopes = []string{"openid", ""} }, errs: true},
		{name: "missing state refused", req: func(r *AuthRequest) { r.State = "" }, errs: true},
		{name: "missing nonce refused", req: func(r *AuthRequest) { r.Nonce = "" }, errs: true},
		{name: "missing code challenge refused", req: func(r *AuthRequest) { r.CodeChallenge = "" }, errs: true},
		{name: "missing redirect URI refused", req: func(r *AuthRequest) { r.RedirectURI = "" }, errs: true},
		{name: "client without ClientID refused", client: func(c *Client) { c.ClientID = "" }, errs: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			if tt.client != nil {
				tt.client(e.c)
			}
			req := base
			if tt.req != nil {
				tt.req(&req)
			}
			raw, err := e.c.AuthCodeURL(e.ctx, req)
			if tt.errs {
				if err == nil {
					t.Fatalf("AuthCodeURL = %q, want an error", raw)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			u, _ := url.Parse(raw)
			if got := u.Scheme + "://" + u.Host + u.Path; got != e.srv.URL(oidctest.Authorize) {
				t.Fatalf("endpoint = %q", got)
			}
			if !reflect.DeepEqual(u.Query(), tt.want) {
				t.Fatalf("query = %v\nwant    %v", u.Query(), tt.want)
			}
		})
	}
}

func TestAuthCodeURLKeepsEndpointQuery(t *testing.T) {
	e := newEnv(t)
	e.srv.MutateDiscovery(func(d map[string]any) { d["authorization_endpoint"] = e.srv.URL(oidctest.Authorize) + "?tenant=a" })
	raw, err := e.c.AuthCodeURL(e.ctx, AuthRequest{RedirectURI: "https://rp/cb", State: "s", Nonce: "n", CodeChallenge: "c"})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(raw)
	if u.Query().Get("tenant") != "a" || u.Query().Get("state") != "s" {
		t.Fatalf("query = %v", u.Query())
	}
}

func TestParseCallback(t *testing.T) {
	tests := []struct {
		name  string
		iss   bool // provider advertises RFC 9207
		query func(issuer string) url.Values
		state string
		code  string
		is    error
	}{
		{name: "matching state returns the code", query: func(string) url.Values { return url.Values{"state": {"s1"}, "code": {"c1"}} }, state: "s1", code: "c1"},
		{name: "gw-flow-03 missing state", query: func(string) url.Values { return url.Values{"code": {"c1"}} }, state: "s1", is: ErrStateMismatch},
		{name: "gw-flow-03 other state", query: func(string) url.Values { return url.Values{"state": {"s2"}, "code": {"c1"}} }, state: "s1", is: ErrStateMismatch},
		{name: "repeated state", query: func(string) url.Values { return url.Values{"state": {"s1", "s1"}, "code": {"c1"}} }, state: "s1", is: ErrStateMismatch},
		{name: "gw-flow-04 no state bound to the browser", query: func(string) url.Values { return url.Values{"state": {""}, "code": {"c1"}} }, state: "", is: ErrStateMismatch},
		{name: "gw-flow-09 access_denied with a valid state", query: func(string) url.Values {
			return url.Values{"state": {"s1"}, "error": {"access_denied"}, "error_description": {"<script>"}}
		}, state: "s1", is: ErrAccessDenied},
		{name: "gw-flow-09 error with a bad state is a state mismatch", query: func(string) url.Values {
			return url.Values{"state": {"x"}, "error": {"access_denied"}}
		}, state: "s1", is: ErrStateMismatch},
		{name: "gw-flow-10 iss promised but missing", iss: true, query: func(string) url.Values { return url.Values{"state": {"s1"}, "code": {"c1"}} }, state: "s1", is: ErrIssuerMismatch},
		{name: "gw-flow-10 iss of another issuer", iss: true, query: func(string) url.Values {
			return url.Values{"state": {"s1"}, "code": {"c1"}, "iss": {"https://evil.example"}}
		}, state: "s1", is: ErrIssuerMismatch},
		{name: "gw-flow-10 matching iss proceeds", iss: true, query: func(iss string) url.Values {
			return url.Values{"state": {"s1"}, "code": {"c1"}, "iss": {iss}}
		}, state: "s1", code: "c1"},
		{name: "unpromised iss is still checked", query: func(string) url.Values {
			return url.Values{"state": {"s1"}, "code": {"c1"}, "iss": {"https://evil.example"}}
		}, state: "s1", is: ErrIssuerMismatch},
		{name: "missing code", query: func(string) url.Values { return url.Values{"state": {"s1"}} }, state: "s1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, withServer(func(so *oidctest.Options) { so.IssParameter = tt.iss }))
			code, err := e.c.ParseCallback(e.ctx, tt.query(e.srv.Issuer), tt.state)
			if tt.code != "" {
				if err != nil || code != tt.code {
					t.Fatalf("ParseCallback = %q, %v; want %q", code, err, tt.code)
				}
				return
			}
			if err == nil {
				t.Fatalf("ParseCallback = %q, want an error", code)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Fatalf("err = %v, want errors.Is %v", err, tt.is)
			}
			if errors.Is(err, ErrAccessDenied) && strings.Contains(err.Error(), "<script>") {
				t.Fatalf("error text carries raw markup: %q", err)
			}
		})
	}
}

// login runs the browser part of a login against the fake provider and
// returns the code, the verifier and the redirect URI used.
func login(t *testing.T, e *env, req AuthRequest) (code string) {
	t.Helper()
	raw, err := e.c.AuthCodeURL(e.ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	hc := *e.client
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := hc.Get(raw)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	loc, err := url.Parse(res.Header.Get("Location"))
	if res.StatusCode != http.StatusFound || err != nil {
		t.Fatalf("authorize answered %d, Location %q", res.StatusCode, res.Header.Get("Location"))
	}
	code, err = e.c.ParseCallback(e.ctx, loc.Query(), req.State)
	if err != nil {
		t.Fatalf("ParseCallback: %v", err)
	}
	return code
}

func newLogin(e *env) (AuthRequest, string) {
	v := GenerateVerifier()
	return AuthRequest{
		RedirectURI: "http://localhost:8080/.auth/callback", State: RandomToken(), Nonce: e.nonce,
		CodeChallenge: S256Challenge(v),
	}, v
}

func TestRpResponseTypeCodeEndToEnd(t *testing.T) {
	e := newEnv(t, withServer(func(so *oidctest.Options) {
		so.IssParameter = true
		so.RedirectURIs = []string{"http://localhost:8080/.auth/callback"}
		so.UserInfo = map[string]any{"email": "a@example.com", "email_verified": true}
	}))
	req, verifier := newLogin(e)
	code := login(t, e, req)
	tok, err := e.c.Exchange(e.ctx, code, verifier, req.RedirectURI)
	if err != nil {
		t.Fatalf("Exchange: %v", err)
	}
	id, err := e.c.Verify(e.ctx, tok.IDToken, VerifyOptions{Nonce: req.Nonce})
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	// rp-scope-userinfo-claims: claims only userinfo has are available.
	claims, err := e.c.UserInfo(e.ctx, tok.AccessToken, id.Subject)
	if err != nil || claims["email"] != "a@example.com" {
		t.Fatalf("UserInfo = %v, %v", claims, err)
	}
	ar := e.srv.Requests(oidctest.Authorize)[0].Form
	if ar.Get("response_type") != "code" || !strings.Contains(ar.Get("scope"), "openid") ||
		ar.Get("code_challenge_method") != "S256" || ar.Get("state") == "" || ar.Get("nonce") == "" {
		t.Fatalf("authorization request = %v", ar)
	}
	if tok.Scopes == nil || tok.Scopes[0] != "openid" || tok.Expiry.Sub(e.clock.Now()) <= 0 {
		t.Fatalf("token = %+v", tok)
	}
	// oidcc-client-test-refresh-token: refresh works and its ID token verifies.
	tok2, err := e.c.Refresh(e.ctx, tok.RefreshToken)
	if err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	if _, err := e.c.Verify(e.ctx, tok2.IDToken, VerifyOptions{Subject: id.Subject}); err != nil {
		t.Fatalf("Verify(refreshed): %v", err)
	}
}

func TestGwFlow01LoginsAreFresh(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		for _, v := range []string{RandomToken(), GenerateVerifier()} {
			if seen[v] || len(v) < 43 {
				t.Fatalf("value %q repeated or shorter than 43 characters", v)
			}
			seen[v] = true
		}
	}
}

package oidc

import (
	"bytes"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/oidc/oidctest"
)

func TestExchangeClientAuthentication(t *testing.T) {
	const id, secret = "client:id/ä+", "se cret&=+%"
	tests := []struct {
		name      string
		methods   []string
		force     string
		wantBasic bool
	}{
		{name: "client_secret_post by default", methods: []string{"client_secret_post"}},
		{name: "post when discovery lists both", methods: []string{"client_secret_basic", "client_secret_post"}},
		{name: "rp-token_endpoint-client_secret_basic when only basic is listed", methods: []string{"client_secret_basic"}, wantBasic: true},
		{name: "AuthMethod forces basic", methods: []string{"client_secret_basic", "client_secret_post"}, force: AuthMethodBasic, wantBasic: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, withServer(func(so *oidctest.Options) {
				so.AuthMethods, so.ClientID, so.ClientSecret = tt.methods, id, secret
			}))
			e.c.AuthMethod = tt.force
			req, verifier := newLogin(e)
			code := login(t, e, req)
			if _, err := e.c.Exchange(e.ctx, code, verifier, req.RedirectURI); err != nil {
				t.Fatalf("Exchange: %v", err)
			}
			r := e.srv.Requests(oidctest.Token)[0]
			if r.URL.RawQuery != "" || strings.Contains(r.URL.String(), "se+cret") {
				t.Fatalf("token request URL carries parameters: %s", r.URL)
			}
			auth := r.Header.Get("Authorization")
			if tt.wantBasic {
				want := "Basic " + base64.StdEncoding.EncodeToString([]byte("client%3Aid%2F%C3%A4%2B:se+cret%26%3D%2B%25"))
				if auth != want || r.Form.Has("client_secret") {
					t.Fatalf("Authorization = %q (want %q), form secret present %v", auth, want, r.Form.Has("client_secret"))
				}
			} else if auth != "" || r.Form.Get("client_secret") != secret || r.Form.Get("client_id") != id {
				t.Fatalf("post auth: Authorization %q, form %v", auth, r.Form)
			}
			if r.Form.Get("code_verifier") != verifier || r.Form.Get("redirect_uri") != req.RedirectURI {
				t.Fatalf("gw-flow-02: form = %v", r.Form)
			}
		})
	}
}

func TestExchangeErrors(t *testing.T) {
	tests := []struct {
		name     string
		setup    func(e *env)
		exchange func(e *env, code, verifier, redirect string) (*Token, error)
		is       []error
		check    func(t *testing.T, err error)
	}{
		{name: "gw-flow-02 redirect_uri differs from the authorization request",
			exchange: func(e *env, c, v, r string) (*Token, error) { return e.c.Exchange(e.ctx, c, v, r+"/") },
			is:       []error{ErrInvalidGrant}},
		{name: "gw-flow-08 verifier of another login",
			exchange: func(e *env, c, v, r string) (*Token, error) { return e.c.Exchange(e.ctx, c, GenerateVerifier(), r) },
			is:       []error{ErrInvalidGrant}},
		{name: "gw-flow-05 code redeemed twice",
			exchange: func(e *env, c, v, r string) (*Token, error) {
				if _, err := e.c.Exchange(e.ctx, c, v, r); err != nil {
					return nil, err
				}
				return e.c.Exchange(e.ctx, c, v, r)
			},
			is: []error{ErrInvalidGrant}},
		{name: "Kakao KOE320 error body", setup: func(e *env) {
			e.srv.SetFault(oidctest.Token, oidctest.Fault{Status: 400, Body: []byte(
				`{"error":"invalid_grant","error_description":"authorization code not found for code=x","error_code":"KOE320"}`)})
		}, is: []error{ErrInvalidGrant}, check: func(t *testing.T, err error) {
			var te *TokenError
			if !errors.As(err, &te) || te.StatusCode != 400 || te.KakaoCode != "KOE320" || !strings.HasPrefix(te.Description, "authorization code") {
				t.Fatalf("TokenError = %+v", te)
			}
		}},
		{name: "gw-idt-13 id_token missing", setup: func(e *env) { e.srv.MutateToken(func(m map[string]any) { delete(m, "id_token") }) },
			is: []error{ErrInvalidResponse}},
		{name: "gw-idt-14 token_type missing", setup: func(e *env) { e.srv.MutateToken(func(m map[string]any) { delete(m, "token_type") }) },
			is: []error{ErrInvalidResponse}},
		{name: "gw-idt-14 token_type mac", setup: func(e *env) { e.srv.MutateToken(func(m map[string]any) { m["token_type"] = "mac" }) },
			is: []error{ErrInvalidResponse}},
		{name: "access_token missing", setup: func(e *env) { e.srv.MutateToken(func(m map[string]any) { delete(m, "access_token") }) },
			is: []error{ErrInvalidResponse}},
		{name: "access_token is a number", setup: func(e *env) { e.srv.MutateToken(func(m map[string]any) { m["access_token"] = 7 }) },
			is: []error{ErrInvalidResponse}},
		{name: "expires_in not a number", setup: func(e *env) { e.srv.MutateToken(func(m map[string]any) { m["expires_in"] = "soon" }) },
			is: []error{ErrInvalidResponse}},
		{name: "error member in a 200 answer", setup: func(e *env) {
			e.srv.SetFault(oidctest.Token, oidctest.Fault{Body: []byte(`{"error":"invalid_grant"}`)})
		}, is: []error{ErrInvalidGrant}},
		{name: "answer is not JSON", setup: func(e *env) { e.srv.SetFault(oidctest.Token, oidctest.Fault{Body: []byte(`<html>`)}) },
			is: []error{ErrInvalidResponse}},
		{name: "gw-tok-01 status 500", setup: func(e *env) { e.srv.SetFault(oidctest.Token, oidctest.Fault{Status: 500}) },
			is: []error{ErrProviderUnavailable}},
		{name: "gw-tok-01 hang is bounded by the timeout", setup: func(e *env) {
			e.srv.SetFault(oidctest.Token, oidctest.Fault{Delay: 5 * time.Second})
		}, is: []error{ErrProviderUnavailable}},
		{name: "gw-jwt-10 answer over 64 KiB", setup: func(e *env) {
			e.srv.SetFault(oidctest.Token, oidctest.Fault{Body: append([]byte(`{"access_token":"`), bytes.Repeat([]byte("a"), 65<<10)...)})
		}, is: []error{ErrProviderUnavailable, ErrResponseTooLarge}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, withProvider(func(po *ProviderOptions) { po.Timeout = 500 * time.Millisecond }))
			req, verifier := newLogin(e)
			code := login(t, e, req)
			if tt.setup != nil {
				tt.setup(e)
			}
			ex := tt.exchange
			if ex == nil {
				ex = func(e *env, c, v, r string) (*Token, error) { return e.c.Exchange(e.ctx, c, v, r) }
			}
			start := time.Now()
			tok, err := ex(e, code, verifier, req.RedirectURI)
			if err == nil {
				t.Fatalf("Exchange = %+v, want an error", tok)
			}
			if time.Since(start) > 3*time.Second {
				t.Fatalf("Exchange took %s", time.Since(start))
			}
			for _, is := range tt.is {
				if !errors.Is(err, is) {
					t.Fatalf("err = %v, want errors.Is %v", err, is)
				}
			}
			if strings.Contains(err.Error(), e.srv.ClientSecret) {
				t.Fatalf("error text leaks the client secret: %q", err)
			}
			if tt.check != nil {
				tt.check(t, err)
			}
		})
	}
}

func TestExchangeRefusesBadInputWithoutCallingTheProvider(t *testing.T) {
	e := newEnv(t)
	v := GenerateVerifier()
	for _, args := range [][3]string{{"", v, "https://rp/cb"}, {"c", "short", "https://rp/cb"}, {"c", strings.Repeat("*", 43), "https://rp/cb"}, {"c", v, ""}} {
		if _, err := e.c.Exchange(e.ctx, args[0], args[1], args[2]); err == nil {
			t.Fatalf("Exchange%q succeeded", args)
		}
	}
	if _, err := e.c.Refresh(e.ctx, ""); err == nil {
		t.Fatal("Refresh(\"\") succeeded")
	}
	if n := e.srv.Count(oidctest.Token); n != 0 {
		t.Fatalf("token requests = %d, want 0", n)
	}
}

func TestTokenLifetimesAndScopes(t *testing.T) {
	tests := []struct {
		name        string
		mutate      func(m map[string]any)
		wantExpiry  time.Duration
		wantRefresh time.Duration
		wantScopes  []string
	}{
		{name: "expires_in, Kakao refresh_token_expires_in and scope", mutate: func(m map[string]any) {
			m["expires_in"], m["refresh_token_expires_in"], m["scope"] = 21599, 5183999, "account_email profile openid"
			m["token_type"] = "Bearer"
		}, wantExpiry: 21599 * time.Second, wantRefresh: 5183999 * time.Second, wantScopes: []string{"account_email", "profile", "openid"}},
		{name: "expires_in as a string of digits, BEARER", mutate: func(m map[string]any) {
			m["expires_in"], m["token_type"] = "3600", "BEARER"
			delete(m, "scope")
		}, wantExpiry: time.Hour},
		{name: "no lifetimes", mutate: func(m map[string]any) { delete(m, "expires_in"); delete(m, "scope") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.srv.MutateToken(tt.mutate)
			req, verifier := newLogin(e)
			tok, err := e.c.Exchange(e.ctx, login(t, e, req), verifier, req.RedirectURI)
			if err != nil {
				t.Fatal(err)
			}
			now := e.clock.Now()
			if d := tok.Expiry.Sub(now); (tt.wantExpiry == 0) != tok.Expiry.IsZero() || (tt.wantExpiry != 0 && d != tt.wantExpiry) {
				t.Fatalf("Expiry = now+%s, want %s", d, tt.wantExpiry)
			}
			if d := tok.RefreshExpiry.Sub(now); (tt.wantRefresh == 0) != tok.RefreshExpiry.IsZero() || (tt.wantRefresh != 0 && d != tt.wantRefresh) {
				t.Fatalf("RefreshExpiry = now+%s, want %s", d, tt.wantRefresh)
			}
			if strings.Join(tok.Scopes, " ") != strings.Join(tt.wantScopes, " ") || (tt.wantScopes == nil) != (tok.Scopes == nil) {
				t.Fatalf("Scopes = %q, want %q", tok.Scopes, tt.wantScopes)
			}
		})
	}
}

func TestRefresh(t *testing.T) {
	e := newEnv(t, withServer(func(so *oidctest.Options) { so.RotateRefreshTokens = true }))
	req, verifier := newLogin(e)
	tok, err := e.c.Exchange(e.ctx, login(t, e, req), verifier, req.RedirectURI)
	if err != nil {
		t.Fatal(err)
	}
	tok2, err := e.c.Refresh(e.ctx, tok.RefreshToken)
	if err != nil || tok2.RefreshToken == tok.RefreshToken || tok2.AccessToken == "" {
		t.Fatalf("Refresh = %+v, %v; want rotated tokens", tok2, err)
	}
	if f := e.srv.Requests(oidctest.Token)[1].Form; f.Get("grant_type") != "refresh_token" || f.Get("client_secret") != e.srv.ClientSecret {
		t.Fatalf("refresh form = %v", f)
	}
	// gw-ref-01: the rotated-out token is dead.
	if _, err := e.c.Refresh(e.ctx, tok.RefreshToken); !errors.Is(err, ErrInvalidGrant) {
		t.Fatalf("reused refresh token: err = %v, want ErrInvalidGrant", err)
	}
	// A refresh answer without id_token is fine.
	e.srv.MutateToken(func(m map[string]any) { delete(m, "id_token") })
	if tok3, err := e.c.Refresh(e.ctx, tok2.RefreshToken); err != nil || tok3.IDToken != "" {
		t.Fatalf("Refresh without id_token = %+v, %v", tok3, err)
	}
}

func TestTokenEndpointRedirectIsNotFollowed(t *testing.T) {
	var hits atomic.Int64
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	t.Cleanup(elsewhere.Close)
	e := newEnv(t)
	req, verifier := newLogin(e)
	code := login(t, e, req)
	e.srv.SetFault(oidctest.Token, oidctest.Fault{Status: http.StatusTemporaryRedirect, Header: http.Header{"Location": {elsewhere.URL}}})
	if _, err := e.c.Exchange(e.ctx, code, verifier, req.RedirectURI); err == nil {
		t.Fatal("Exchange followed a redirect")
	}
	if hits.Load() != 0 {
		t.Fatalf("redirect target got %d requests (with the client secret), want 0", hits.Load())
	}
}

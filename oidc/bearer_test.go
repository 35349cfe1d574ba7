package oidc

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestVerifyBearer(t *testing.T) {
	e := newEnv(t)
	auds := BearerOptions{Audiences: []string{e.srv.ClientID, "ios-app"}}
	good := func(c map[string]any) {}
	tests := []struct {
		name    string
		mutate  func(map[string]any)
		sign    func(map[string]any) string // default SignIDToken
		raw     string                      // used instead of a signed token when set
		want    error                       // nil: accepted
		expired bool
	}{
		{name: "ID token of the client", mutate: good},
		{name: "JWT access token (at+jwt)", mutate: good, sign: e.srv.SignAccessToken},
		{name: "other accepted audience", mutate: func(c map[string]any) { c["aud"] = []any{"ios-app", "someone-else"} }},
		{name: "old login, nonce and azp of another client are fine", mutate: func(c map[string]any) {
			c["auth_time"] = time.Now().Add(-30 * 24 * time.Hour).Unix()
			c["nonce"] = "whatever"
			c["aud"], c["azp"] = "ios-app", "ios-app"
		}},
		{name: "issued hours ago (no id_token_max_age for bearer tokens)", mutate: func(c map[string]any) {
			c["iat"] = e.clock.Now().Add(-5 * time.Hour).Unix()
			c["exp"] = e.clock.Now().Add(time.Hour).Unix()
		}},
		{name: "audience not accepted", mutate: func(c map[string]any) { c["aud"] = "other-app" }, want: ErrInvalidBearerToken},
		{name: "wrong issuer", mutate: func(c map[string]any) { c["iss"] = "https://evil.example" }, want: ErrInvalidBearerToken},
		{name: "expired", mutate: func(c map[string]any) { c["exp"] = e.clock.Now().Add(-time.Hour).Unix() }, want: ErrTokenExpired, expired: true},
		{name: "not yet valid", mutate: func(c map[string]any) { c["nbf"] = e.clock.Now().Add(time.Hour).Unix() }, want: ErrInvalidBearerToken},
		{name: "issued in the future", mutate: func(c map[string]any) { c["iat"] = e.clock.Now().Add(time.Hour).Unix() }, want: ErrInvalidBearerToken},
		{name: "no exp", mutate: func(c map[string]any) { delete(c, "exp") }, want: ErrInvalidBearerToken},
		{name: "no sub", mutate: func(c map[string]any) { delete(c, "sub") }, want: ErrInvalidBearerToken},
		{name: "logout token type", mutate: good, sign: e.srv.SignLogoutToken, want: ErrInvalidBearerToken},
		{name: "opaque token", raw: "2YotnFZFEjr1zCsicMWpAA", want: ErrInvalidBearerToken},
		{name: "forged signature", raw: "", mutate: good, want: ErrInvalidBearerToken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := tt.raw
			if raw == "" {
				c := e.srv.Claims("")
				tt.mutate(c)
				sign := tt.sign
				if sign == nil {
					sign = e.srv.SignIDToken
				}
				raw = sign(c)
				if tt.name == "forged signature" {
					parts := strings.Split(raw, ".")
					raw = parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2]))
				}
			}
			tok, err := e.c.VerifyBearer(e.ctx, raw, auds)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("VerifyBearer: %v", err)
				}
				if tok.Subject != e.srv.Claims("")["sub"] || tok.Expiry.IsZero() {
					t.Fatalf("token = %+v", tok)
				}
				return
			}
			if !errors.Is(err, tt.want) || !errors.Is(err, ErrInvalidBearerToken) {
				t.Fatalf("err = %v, want %v (and ErrInvalidBearerToken)", err, tt.want)
			}
			if errors.Is(err, ErrTokenExpired) != tt.expired {
				t.Fatalf("expired = %v, want %v: %v", !tt.expired, tt.expired, err)
			}
		})
	}
}

func TestVerifyBearerRefusesHMACAndNone(t *testing.T) {
	for _, alg := range []string{"HS256", "none"} {
		t.Run(alg, func(t *testing.T) {
			e := newEnv(t)
			e.srv.SetSigningAlg(alg)
			raw := e.srv.SignIDToken(e.srv.Claims(""))
			if _, err := e.c.VerifyBearer(e.ctx, raw, BearerOptions{Audiences: []string{e.srv.ClientID}}); !errors.Is(err, ErrInvalidBearerToken) {
				t.Fatalf("alg %s accepted or wrong error: %v", alg, err)
			}
		})
	}
}

func TestVerifyBearerNeedsAudiences(t *testing.T) {
	e := newEnv(t)
	if _, err := e.c.VerifyBearer(e.ctx, e.srv.IssueIDToken(""), BearerOptions{}); err == nil {
		t.Fatal("VerifyBearer without audiences accepted a token")
	}
}

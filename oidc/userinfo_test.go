package oidc

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/kakaogate/kakaogate/oidc/oidctest"
)

// loggedIn performs a login and returns the access token and subject.
func loggedIn(t *testing.T, e *env) (string, string) {
	t.Helper()
	req, verifier := newLogin(e)
	tok, err := e.c.Exchange(e.ctx, login(t, e, req), verifier, req.RedirectURI)
	if err != nil {
		t.Fatal(err)
	}
	id, err := e.c.Verify(e.ctx, tok.IDToken, VerifyOptions{Nonce: req.Nonce})
	if err != nil {
		t.Fatal(err)
	}
	return tok.AccessToken, id.Subject
}

func TestUserInfo(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(e *env)
		access func(at string) string
		is     []error
		ok     bool
	}{
		{name: "rp-userinfo-bearer-header claims returned", ok: true},
		{name: "rp-userinfo-bad-sub-claim", setup: func(e *env) { e.srv.MutateUserInfo(func(c map[string]any) { c["sub"] = "foobar" }) },
			is: []error{ErrSubjectMismatch}},
		{name: "sub missing", setup: func(e *env) { e.srv.MutateUserInfo(func(c map[string]any) { delete(c, "sub") }) },
			is: []error{ErrSubjectMismatch}},
		{name: "sub is a number", setup: func(e *env) { e.srv.MutateUserInfo(func(c map[string]any) { c["sub"] = 1 }) },
			is: []error{ErrSubjectMismatch}},
		{name: "sub differs in case only", setup: func(e *env) { e.srv.MutateUserInfo(func(c map[string]any) { c["sub"] = "USER-1" }) },
			is: []error{ErrSubjectMismatch}},
		{name: "unknown access token", access: func(string) string { return "at-forged" }, is: []error{ErrInvalidToken}},
		{name: "answer is an array", setup: func(e *env) { e.srv.SetFault(oidctest.UserInfo, oidctest.Fault{Body: []byte(`[{"sub":"user-1"}]`)}) },
			is: []error{ErrInvalidResponse}},
		{name: "two objects", setup: func(e *env) {
			e.srv.SetFault(oidctest.UserInfo, oidctest.Fault{Body: []byte(`{"sub":"user-1"}{"sub":"x"}`)})
		}, is: []error{ErrInvalidResponse}},
		{name: "signed userinfo unsupported", setup: func(e *env) {
			e.srv.SetFault(oidctest.UserInfo, oidctest.Fault{Body: []byte(`a.b.c`), Header: http.Header{"Content-Type": {"application/jwt"}}})
		}, is: []error{ErrInvalidResponse}},
		{name: "gw-jwt-10 answer over 1 MiB", setup: func(e *env) {
			e.srv.SetFault(oidctest.UserInfo, oidctest.Fault{Body: append([]byte(`{"sub":"user-1","x":"`), bytes.Repeat([]byte("a"), 1<<20)...)})
		}, is: []error{ErrResponseTooLarge, ErrProviderUnavailable}},
		{name: "status 503", setup: func(e *env) { e.srv.SetFault(oidctest.UserInfo, oidctest.Fault{Status: 503}) },
			is: []error{ErrProviderUnavailable}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, withServer(func(so *oidctest.Options) { so.UserInfo = map[string]any{"nickname": "라이언"} }))
			at, sub := loggedIn(t, e)
			if tt.setup != nil {
				tt.setup(e)
			}
			if tt.access != nil {
				at = tt.access(at)
			}
			claims, err := e.c.UserInfo(e.ctx, at, sub)
			if tt.ok {
				if err != nil || claims["nickname"] != "라이언" || claims["sub"] != sub {
					t.Fatalf("UserInfo = %v, %v", claims, err)
				}
				r := e.srv.Requests(oidctest.UserInfo)[0]
				if r.Header.Get("Authorization") != "Bearer "+at || r.URL.RawQuery != "" {
					t.Fatalf("userinfo request: Authorization %q, query %q", r.Header.Get("Authorization"), r.URL.RawQuery)
				}
				return
			}
			if err == nil || claims != nil {
				t.Fatalf("UserInfo = %v, %v; want an error and no claims", claims, err)
			}
			for _, is := range tt.is {
				if !errors.Is(err, is) {
					t.Fatalf("err = %v, want errors.Is %v", err, is)
				}
			}
		})
	}
}

func TestUserInfoRefusesMissingArguments(t *testing.T) {
	e := newEnv(t)
	if _, err := e.c.UserInfo(e.ctx, "at", ""); err == nil {
		t.Fatal("UserInfo without an expected subject succeeded")
	}
	if _, err := e.c.UserInfo(e.ctx, "", "user-1"); err == nil {
		t.Fatal("UserInfo without an access token succeeded")
	}
	e.srv.MutateDiscovery(func(d map[string]any) { delete(d, "userinfo_endpoint") })
	if _, err := e.c.UserInfo(e.ctx, "at", "user-1"); err == nil {
		t.Fatal("UserInfo without a userinfo_endpoint succeeded")
	}
	if n := e.srv.Count(oidctest.UserInfo); n != 0 {
		t.Fatalf("userinfo requests = %d, want 0", n)
	}
}

func TestPKCE(t *testing.T) {
	// RFC 7636 Appendix B.
	if got := S256Challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"); got != "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM" {
		t.Fatalf("S256Challenge = %q", got)
	}
	v := GenerateVerifier()
	if !validVerifier(v) || len(v) != 43 {
		t.Fatalf("GenerateVerifier = %q, not a valid 43-character verifier", v)
	}
	sum := sha256.Sum256([]byte(v))
	if S256Challenge(v) != base64.RawURLEncoding.EncodeToString(sum[:]) {
		t.Fatal("S256Challenge is not BASE64URL(SHA256(verifier))")
	}
	for _, bad := range []string{"", strings.Repeat("a", 42), strings.Repeat("a", 129), strings.Repeat("a", 42) + "+", strings.Repeat("a", 42) + "="} {
		if validVerifier(bad) {
			t.Errorf("validVerifier(%q) = true", bad)
		}
	}
	if !validVerifier(strings.Repeat("A-._~z9", 10)) {
		t.Error("validVerifier refused unreserved characters")
	}
}

func TestRandomTokenHas256Bits(t *testing.T) {
	tok := RandomToken()
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) != 32 {
		t.Fatalf("RandomToken = %q: %d bytes, %v", tok, len(b), err)
	}
}

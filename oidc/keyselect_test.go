package oidc

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/oidc/oidctest"
)

func TestKidSelection(t *testing.T) {
	noKid := rsaKey1().With("", "RS256", "sig")
	noKid2 := rsaKey2().With("", "RS256", "sig")
	keyOpsEncrypt := func(t *testing.T, e *env) string {
		j := rsaKey1().JWK()
		j["key_ops"] = []string{"encrypt"}
		e.srv.SetFault(oidctest.JWKSURI, oidctest.Fault{Body: mustJSON(map[string]any{"keys": []any{j, rsaKey2().JWK()}})})
		return ""
	}
	tests := []struct {
		verifyCase
		jwks int // expected JWKS requests
	}{
		{verifyCase{name: "rp-id_token-kid-absent-single-jwks accepted", setup: func(t *testing.T, e *env) string {
			e.srv.SetKeys(noKid, noKid)
			return ""
		}, ok: true}, 1},
		{verifyCase{name: "kid absent, one key in the set carrying a kid, accepted", setup: func(t *testing.T, e *env) string {
			e.srv.SetKeys(noKid, rsaKey1())
			return ""
		}, ok: true}, 1},
		{verifyCase{name: "rp-id_token-kid-absent-multiple-jwks rejected (pinned)", setup: func(t *testing.T, e *env) string {
			e.srv.SetKeys(noKid, noKid, noKid2)
			return ""
		}}, 1},
		{verifyCase{name: "kid absent, one RSA and one EC key, RS256 accepted", setup: func(t *testing.T, e *env) string {
			e.srv.SetKeys(noKid, noKid, ecKey1())
			return ""
		}, ok: true}, 1},
		{verifyCase{name: "gw-jwt-11 kid names a use=enc key", setup: func(t *testing.T, e *env) string {
			e.srv.SetKeys(rsaKey1(), rsaKey1().With("key-1", "RS256", "enc"), rsaKey2())
			return ""
		}}, 1},
		{verifyCase{name: "gw-jwt-11 kid names an EC key while alg is RS256", setup: func(t *testing.T, e *env) string {
			e.srv.SetKeys(rsaKey1(), ecKey1().With("key-1", "", "sig"), rsaKey2())
			return ""
		}}, 1},
		{verifyCase{name: "gw-jwt-11 kid names a key whose alg is RS384", setup: func(t *testing.T, e *env) string {
			e.srv.SetKeys(rsaKey1(), rsaKey1().With("key-1", "RS384", "sig"), rsaKey2())
			return ""
		}}, 1},
		{verifyCase{name: "gw-jwt-11 kid names a key whose key_ops exclude verify", setup: keyOpsEncrypt}, 1},
		{verifyCase{name: "same kid twice, the second fits", setup: func(t *testing.T, e *env) string {
			e.srv.SetKeys(rsaKey1(), rsaKey2().With("key-1", "RS256", "sig"), rsaKey1())
			return ""
		}, ok: true}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var srv *oidctest.Server
			inner := tc.setup
			tc.setup = func(t *testing.T, e *env) string {
				srv = e.srv
				return inner(t, e)
			}
			tc.run(t)
			if n := srv.Count(oidctest.JWKSURI); n != tc.jwks {
				t.Fatalf("JWKS requests = %d, want %d", n, tc.jwks)
			}
		})
	}
}

func TestGwJwt06KeyHeadersAreNeverHonoured(t *testing.T) {
	var hits atomic.Int64
	attacker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = w.Write(oidctest.JWKS(rsaKey3()))
	}))
	t.Cleanup(attacker.Close)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "attacker"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, rsaKey3().Private.Public(), rsaKey3().Private)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		header func(h map[string]any)
	}{
		{"jku to an attacker JWKS", func(h map[string]any) { h["jku"] = attacker.URL + "/jwks" }},
		{"x5u to an attacker certificate", func(h map[string]any) { h["x5u"] = attacker.URL + "/cert" }},
		{"embedded jwk", func(h map[string]any) { h["jwk"] = rsaKey3().JWK() }},
		{"embedded x5c", func(h map[string]any) { h["x5c"] = []string{b64e(der)} }},
		{"embedded jwk under a known kid", func(h map[string]any) { h["jwk"] = rsaKey3().JWK(); h["kid"] = "key-1" }},
		{"jku under a known kid", func(h map[string]any) { h["jku"] = attacker.URL + "/jwks"; h["kid"] = "key-1" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.mustVerify(t)
			e.srv.SetKeys(rsaKey3(), rsaKey1())
			e.srv.MutateHeader(tt.header)
			_, err := e.c.Verify(e.ctx, e.srv.IssueIDToken(e.nonce), VerifyOptions{Nonce: e.nonce})
			if !errors.Is(err, ErrInvalidIDToken) {
				t.Fatalf("err = %v, want ErrInvalidIDToken", err)
			}
		})
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("attacker server got %d requests, want 0", n)
	}
}

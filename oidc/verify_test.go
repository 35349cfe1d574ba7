package oidc

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/oidc/oidctest"
)

// signRaw signs an arbitrary payload (not necessarily JSON) with RS256.
func signRaw(t testing.TB, k *oidctest.Key, header map[string]any, payload []byte) string {
	t.Helper()
	hb, _ := json.Marshal(header)
	in := b64e(hb) + "." + b64e(payload)
	sum := sha256.Sum256([]byte(in))
	sig, err := rsa.SignPKCS1v15(rand.Reader, k.Private.(*rsa.PrivateKey), crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return in + "." + b64e(sig)
}

func b64e(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// verifyCase is one ID token verification scenario. setup adjusts the env
// (and may return the raw token to verify); otherwise a token is issued by
// the fake provider with the claims and header hooks.
type verifyCase struct {
	name   string
	algs   []string // discovery's id_token_signing_alg_values_supported
	keys   []*oidctest.Key
	claims func(c map[string]any, now time.Time)
	header func(h map[string]any)
	setup  func(t *testing.T, e *env) string
	opts   *VerifyOptions
	client func(c *Client)
	ok     bool
	is     error // extra sentinel expected on failure
}

func (tc verifyCase) run(t *testing.T) {
	e := newEnv(t, withServer(func(so *oidctest.Options) {
		if tc.algs != nil {
			so.SigningAlgs = tc.algs
		}
		if tc.keys != nil {
			so.Keys = tc.keys
		}
	}))
	if tc.client != nil {
		tc.client(e.c)
	}
	now := e.clock.Now()
	if tc.claims != nil {
		e.srv.MutateClaims(func(c map[string]any) { tc.claims(c, now) })
	}
	if tc.header != nil {
		e.srv.MutateHeader(tc.header)
	}
	raw := ""
	if tc.setup != nil {
		raw = tc.setup(t, e)
	}
	if raw == "" {
		raw = e.srv.IssueIDToken(e.nonce)
	}
	opts := VerifyOptions{Nonce: e.nonce}
	if tc.opts != nil {
		opts = *tc.opts
	}
	tok, err := e.c.Verify(e.ctx, raw, opts)
	if tc.ok {
		if err != nil {
			t.Fatalf("Verify: %v, want accept", err)
		}
		if tok.Subject == "" || tok.Issuer != e.srv.Issuer || tok.Expiry.IsZero() || tok.IssuedAt.IsZero() {
			t.Fatalf("accepted token lacks claims: %+v", tok)
		}
		return
	}
	if err == nil {
		t.Fatalf("Verify accepted the token (claims %+v), want reject", tok.Claims)
	}
	if !errors.Is(err, ErrInvalidIDToken) {
		t.Fatalf("err = %v, want ErrInvalidIDToken", err)
	}
	if tc.is != nil && !errors.Is(err, tc.is) {
		t.Fatalf("err = %v, want errors.Is %v", err, tc.is)
	}
	if !strings.HasPrefix(err.Error(), "oidc: ") || len(err.Error()) > 600 {
		t.Fatalf("error text %q: want an oidc: prefix and a bounded length", err)
	}
}

func set(name string, v any) func(map[string]any, time.Time) {
	return func(c map[string]any, _ time.Time) { c[name] = v }
}

func del(name string) func(map[string]any, time.Time) {
	return func(c map[string]any, _ time.Time) { delete(c, name) }
}

func at(name string, d time.Duration) func(map[string]any, time.Time) {
	return func(c map[string]any, now time.Time) { c[name] = now.Add(d).Unix() }
}

func TestVerifyIDTokenClaims(t *testing.T) {
	tests := []verifyCase{
		{name: "rp-id_token-sig-rs256 good token accepted", ok: true},
		{name: "rp-id_token-issuer-mismatch", claims: set("iss", "https://example.org/")},
		{name: "rp-id_token-issuer-mismatch trailing slash", setup: func(t *testing.T, e *env) string {
			e.srv.MutateClaims(func(c map[string]any) { c["iss"] = e.srv.Issuer + "/" })
			return ""
		}},
		{name: "rp-id_token-sub missing", claims: del("sub")},
		{name: "sub empty", claims: set("sub", "")},
		{name: "sub longer than 255 bytes", claims: set("sub", strings.Repeat("a", 256))},
		{name: "rp-id_token-aud foreign", claims: set("aud", "https://example.com/")},
		{name: "rp-id_token-aud missing", claims: del("aud")},
		{name: "aud empty array", claims: set("aud", []any{})},
		{name: "gw-idt-12 aud of another app of the same issuer", claims: set("aud", "kakao-native-app-key")},
		{name: "aud array with only the client accepted", claims: set("aud", []string{"test-client"}), ok: true},
		{name: "gw-idt-07 several audiences without azp", claims: set("aud", []string{"test-client", "other"}),
			client: func(c *Client) { c.TrustedAudiences = []string{"other"} }},
		{name: "gw-idt-07 several audiences with azp, other trusted, accepted", claims: func(c map[string]any, _ time.Time) {
			c["aud"] = []string{"test-client", "other"}
			c["azp"] = "test-client"
		}, client: func(c *Client) { c.TrustedAudiences = []string{"other"} }, ok: true},
		{name: "aud contains an untrusted audience", claims: func(c map[string]any, _ time.Time) {
			c["aud"] = []string{"test-client", "other"}
			c["azp"] = "test-client"
		}},
		{name: "gw-idt-07 azp is another client", claims: set("azp", "other")},
		{name: "azp equal to client accepted", claims: set("azp", "test-client"), ok: true},
		{name: "rp-id_token-iat missing", claims: del("iat")},
		{name: "gw-idt-01 exp missing", claims: del("exp")},
		{name: "gw-idt-01 exp past beyond leeway", claims: at("exp", -61*time.Second), is: ErrTokenExpired},
		{name: "exp exactly at now-leeway rejected", claims: at("exp", -60*time.Second), is: ErrTokenExpired},
		{name: "gw-idt-02 exp past within leeway accepted", claims: at("exp", -30*time.Second), ok: true},
		{name: "leeway configurable: 30s past with 10s leeway rejected", claims: at("exp", -30*time.Second),
			client: func(c *Client) { c.Leeway = 10 * time.Second }, is: ErrTokenExpired},
		{name: "gw-idt-03 iat beyond leeway in the future", claims: at("iat", 61*time.Second)},
		{name: "iat within leeway in the future accepted", claims: at("iat", 30*time.Second), ok: true},
		{name: "gw-idt-05 nbf in the future", claims: at("nbf", 2*time.Minute)},
		{name: "nbf within leeway accepted", claims: at("nbf", 30*time.Second), ok: true},
		{name: "fractional exp accepted", claims: func(c map[string]any, now time.Time) {
			c["exp"] = float64(now.Add(time.Minute).Unix()) + 0.5
		}, ok: true},
		{name: "exp absurdly large", claims: set("exp", 1e300)},
		{name: "exp negative", claims: set("exp", -1)},
		{name: "gw-idt-08 aud is a number", claims: set("aud", 12345)},
		{name: "gw-idt-08 aud array holds a number", claims: set("aud", []any{"test-client", 1})},
		{name: "gw-idt-08 sub is a number", claims: set("sub", 1001)},
		{name: "gw-idt-08 iss is an array", setup: func(t *testing.T, e *env) string {
			e.srv.MutateClaims(func(c map[string]any) { c["iss"] = []string{e.srv.Issuer} })
			return ""
		}},
		{name: "gw-idt-08 exp is a string", claims: func(c map[string]any, now time.Time) {
			c["exp"] = now.Add(time.Hour).Format("20060102")
		}},
		{name: "gw-idt-08 iat is a string", claims: set("iat", "0")},
		{name: "gw-idt-08 nbf is a string", claims: set("nbf", "0")},
		{name: "gw-idt-08 azp is a number", claims: set("azp", 7)},
		{name: "gw-idt-08 nonce is a number", claims: set("nonce", 7), is: ErrNonceMismatch},
		{name: "rp-nonce-invalid", claims: set("nonce", "012345678"), is: ErrNonceMismatch},
		{name: "gw-idt-09 nonce sent but claim missing", claims: del("nonce"), is: ErrNonceMismatch},
		{name: "nonce differing only in case", claims: set("nonce", "N-0S6_WZA2MJ"), is: ErrNonceMismatch},
		{name: "no nonce expected (refresh) and none present accepted", claims: del("nonce"),
			opts: &VerifyOptions{}, ok: true},
		{name: "subject expected and different", opts: &VerifyOptions{Nonce: "n-0S6_WzA2Mj", Subject: "user-2"},
			is: ErrSubjectMismatch},
		{name: "subject expected and equal accepted", opts: &VerifyOptions{Nonce: "n-0S6_WzA2Mj", Subject: "user-1"}, ok: true},
		{name: "gw-idt-16 max_age without auth_time", claims: del("auth_time"),
			opts: &VerifyOptions{Nonce: "n-0S6_WzA2Mj", MaxAge: time.Hour}},
		{name: "gw-idt-16 auth_time too old", claims: at("auth_time", -2*time.Hour),
			opts: &VerifyOptions{Nonce: "n-0S6_WzA2Mj", MaxAge: time.Hour}},
		{name: "gw-idt-16 recent auth_time accepted", claims: at("auth_time", -time.Minute),
			opts: &VerifyOptions{Nonce: "n-0S6_WzA2Mj", MaxAge: time.Hour}, ok: true},
		{name: "auth_time is a string", claims: set("auth_time", "yesterday")},
		{name: "gw-edge-03 iat hours old, with a max token age", claims: at("iat", -3*time.Hour),
			opts: &VerifyOptions{Nonce: "n-0S6_WzA2Mj", MaxTokenAge: 10 * time.Minute}},
		{name: "gw-edge-03 iat just beyond max token age and leeway", claims: at("iat", -(10*time.Minute + 61*time.Second)),
			opts: &VerifyOptions{Nonce: "n-0S6_WzA2Mj", MaxTokenAge: 10 * time.Minute}},
		{name: "gw-edge-03 iat within max token age and leeway accepted", claims: at("iat", -(10*time.Minute + 30*time.Second)),
			opts: &VerifyOptions{Nonce: "n-0S6_WzA2Mj", MaxTokenAge: 10 * time.Minute}, ok: true},
		{name: "gw-edge-03 iat hours old without a max token age (bearer) accepted", claims: at("iat", -3*time.Hour), ok: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, tc.run)
	}
}

func TestVerifyIDTokenSignatureAndForm(t *testing.T) {
	tests := []verifyCase{
		{name: "rp-id_token-bad-sig-rs256", setup: func(t *testing.T, e *env) string {
			raw := e.srv.IssueIDToken(e.nonce)
			i := strings.LastIndexByte(raw, '.')
			sig, _ := base64.RawURLEncoding.DecodeString(raw[i+1:])
			sig[10] ^= 0xff
			return raw[:i+1] + b64e(sig)
		}},
		{name: "payload swapped under a valid signature", setup: func(t *testing.T, e *env) string {
			a := strings.Split(e.srv.IssueIDToken(e.nonce), ".")
			e.srv.MutateClaims(func(c map[string]any) { c["sub"] = "admin" })
			b := strings.Split(e.srv.IssueIDToken(e.nonce), ".")
			return a[0] + "." + b[1] + "." + a[2]
		}},
		{name: "gw-jwt-01 rp-id_token-sig-none", setup: func(t *testing.T, e *env) string {
			e.srv.SetSigningAlg("none")
			return ""
		}},
		{name: "gw-jwt-01 alg none even when discovery lists none", algs: []string{"none", "RS256"}, setup: func(t *testing.T, e *env) string {
			e.srv.SetSigningAlg("none")
			return ""
		}},
		{name: "gw-jwt-01 alg None with an RS256 signature", header: func(h map[string]any) { h["alg"] = "None" }},
		{name: "gw-jwt-02 HS256 keyed with the public key PEM", algs: []string{"RS256", "HS256"}, setup: func(t *testing.T, e *env) string {
			e.srv.SetSigningAlg("HS256")
			return ""
		}},
		{name: "gw-jwt-02 HS256 keyed with the public key DER", setup: func(t *testing.T, e *env) string {
			der, _ := x509.MarshalPKIXPublicKey(rsaKey1().Private.Public())
			e.srv.SetSigningAlg("HS256")
			e.srv.SetHMACKey(der)
			return ""
		}},
		{name: "gw-jwt-02 HS256 keyed with the JWK modulus", setup: func(t *testing.T, e *env) string {
			e.srv.SetSigningAlg("HS256")
			e.srv.SetHMACKey(rsaKey1().Private.Public().(*rsa.PublicKey).N.Bytes())
			return ""
		}},
		{name: "rp-id_token-bad-sig-es256 signed by a key outside the JWKS", algs: []string{"ES256"},
			keys: []*oidctest.Key{ecKey1()}, setup: func(t *testing.T, e *env) string {
				e.srv.SetKeys(oidctest.NewECKey("ec-1"), ecKey1())
				return ""
			}},
		{name: "ES256 with a JWKS key accepted", algs: []string{"ES256"}, keys: []*oidctest.Key{ecKey1()}, ok: true},
		{name: "EdDSA with a JWKS key accepted", algs: []string{"EdDSA"}, setup: func(t *testing.T, e *env) string {
			k := oidctest.NewEd25519Key("ed-1")
			e.srv.SetKeys(k, k)
			e.srv.SetSigningAlg("EdDSA")
			return ""
		}, ok: true},
		{name: "alg not in the discovered list", algs: []string{"ES256"}},
		{name: "alg outside an explicit SigningAlgs", client: func(c *Client) { c.SigningAlgs = []string{"ES256"} }},
		{name: "gw-jwt-04 JWK without alg accepted for its family", setup: func(t *testing.T, e *env) string {
			k := rsaKey1().With("noalg", "", "")
			e.srv.SetKeys(k, k)
			return ""
		}, ok: true},
		{name: "gw-jwt-04 JWK without alg still bound by the allow-list", setup: func(t *testing.T, e *env) string {
			k := rsaKey1().With("noalg", "", "")
			e.srv.SetKeys(k, k)
			e.srv.SetSigningAlg("PS256")
			return ""
		}},
		{name: "PS256 allowed and JWK without alg accepted", algs: []string{"PS256"}, setup: func(t *testing.T, e *env) string {
			k := rsaKey1().With("noalg", "", "")
			e.srv.SetKeys(k, k)
			e.srv.SetSigningAlg("PS256")
			return ""
		}, ok: true},
		{name: "crit header rejected", header: func(h map[string]any) { h["crit"] = []string{"exp"}; h["exp"] = 1 }},
		{name: "b64 false rejected", header: func(h map[string]any) { h["b64"] = false }},
		{name: "typ logout+jwt rejected", header: func(h map[string]any) { h["typ"] = "logout+jwt" }},
		{name: "typ at+jwt rejected", header: func(h map[string]any) { h["typ"] = "at+jwt" }},
		{name: "typ absent accepted", header: func(h map[string]any) { delete(h, "typ") }, ok: true},
		{name: "header alg is a number", header: func(h map[string]any) { h["alg"] = 256 }},
		{name: "header kid is a number", header: func(h map[string]any) { h["kid"] = 1 }},
		{name: "gw-jwt-08 JSON serialization", setup: func(t *testing.T, e *env) string {
			p := strings.Split(e.srv.IssueIDToken(e.nonce), ".")
			b, _ := json.Marshal(map[string]any{"payload": p[1], "signatures": []any{map[string]any{"protected": p[0], "signature": p[2]}}})
			return string(b)
		}},
		{name: "gw-jwt-08 flattened JSON serialization", setup: func(t *testing.T, e *env) string {
			p := strings.Split(e.srv.IssueIDToken(e.nonce), ".")
			b, _ := json.Marshal(map[string]any{"payload": p[1], "protected": p[0], "signature": p[2]})
			return string(b)
		}},
		{name: "gw-jwt-09 five-segment JWE", setup: func(t *testing.T, e *env) string {
			return b64e([]byte(`{"alg":"PBES2-HS256+A128KW","enc":"A128GCM","p2c":2000000000}`)) + ".a.b.c.d"
		}},
		{name: "gw-jwt-09b two segments", setup: func(t *testing.T, e *env) string {
			p := strings.Split(e.srv.IssueIDToken(e.nonce), ".")
			return p[0] + "." + p[1]
		}},
		{name: "gw-jwt-09b four segments", setup: func(t *testing.T, e *env) string { return e.srv.IssueIDToken(e.nonce) + ".x" }},
		{name: "gw-jwt-09b empty signature segment", setup: func(t *testing.T, e *env) string {
			raw := e.srv.IssueIDToken(e.nonce)
			return raw[:strings.LastIndexByte(raw, '.')+1]
		}},
		{name: "gw-jwt-09b padded base64 header", setup: func(t *testing.T, e *env) string {
			p := strings.Split(e.srv.IssueIDToken(e.nonce), ".")
			return p[0] + "==." + p[1] + "." + p[2]
		}},
		{name: "gw-jwt-09b header not base64url", setup: func(t *testing.T, e *env) string {
			p := strings.Split(e.srv.IssueIDToken(e.nonce), ".")
			return "!!!" + "." + p[1] + "." + p[2]
		}},
		{name: "gw-jwt-09b header is a JSON array", setup: func(t *testing.T, e *env) string {
			p := strings.Split(e.srv.IssueIDToken(e.nonce), ".")
			return b64e([]byte(`["RS256"]`)) + "." + p[1] + "." + p[2]
		}},
		{name: "gw-jwt-09b signed payload is a JSON array", setup: func(t *testing.T, e *env) string {
			return signRaw(t, rsaKey1(), map[string]any{"alg": "RS256", "kid": "key-1"}, []byte(`[1,2]`))
		}},
		{name: "gw-jwt-09b signed payload is null", setup: func(t *testing.T, e *env) string {
			return signRaw(t, rsaKey1(), map[string]any{"alg": "RS256", "kid": "key-1"}, []byte(`null`))
		}},
		{name: "gw-jwt-09b signed payload has trailing data", setup: func(t *testing.T, e *env) string {
			c, _ := json.Marshal(e.srv.Claims(e.nonce))
			return signRaw(t, rsaKey1(), map[string]any{"alg": "RS256", "kid": "key-1"}, append(c, []byte(`{}`)...))
		}},
		{name: "gw-jwt-10 one megabyte token", setup: func(t *testing.T, e *env) string {
			e.srv.MutateClaims(func(c map[string]any) { c["pad"] = strings.Repeat("a", 1<<20) })
			return ""
		}},
		{name: "lone dot", setup: func(t *testing.T, e *env) string { return "." }},
		{name: "three empty segments", setup: func(t *testing.T, e *env) string { return ".." }},
	}
	for _, tc := range tests {
		t.Run(tc.name, tc.run)
	}
}

func TestVerifyRefusesUnsafeSigningAlgsOverride(t *testing.T) {
	for _, algs := range [][]string{{"HS256"}, {"none"}, {"RS256", "HS512"}, {"rs256"}} {
		e := newEnv(t)
		e.c.SigningAlgs = algs
		_, err := e.c.Verify(e.ctx, e.srv.IssueIDToken(e.nonce), VerifyOptions{Nonce: e.nonce})
		if err == nil {
			t.Fatalf("SigningAlgs %q accepted", algs)
		}
	}
}

func TestVerifyReturnsAllClaims(t *testing.T) {
	e := newEnv(t, withServer(func(so *oidctest.Options) {
		so.Claims = map[string]any{"nickname": "홍길동", "big": int64(1) << 60}
	}))
	tok, err := e.c.Verify(e.ctx, e.srv.IssueIDToken(e.nonce), VerifyOptions{Nonce: e.nonce})
	if err != nil {
		t.Fatal(err)
	}
	if tok.Claims["nickname"] != "홍길동" || tok.Nonce != e.nonce || len(tok.Audience) != 1 || tok.Audience[0] != "test-client" {
		t.Fatalf("token = %+v", tok)
	}
	if n, ok := tok.Claims["big"].(json.Number); !ok || n.String() != "1152921504606846976" {
		t.Fatalf("big = %#v, want the exact json.Number", tok.Claims["big"])
	}
	if !tok.AuthTime.Equal(e.clock.Now()) || !tok.IssuedAt.Equal(e.clock.Now()) {
		t.Fatalf("auth_time %v iat %v, want %v", tok.AuthTime, tok.IssuedAt, e.clock.Now())
	}
}

func TestVerifyEmptyTokenRejectedWithoutNetwork(t *testing.T) {
	e := newEnv(t)
	if _, err := e.c.Verify(e.ctx, "", VerifyOptions{Nonce: e.nonce}); !errors.Is(err, ErrInvalidIDToken) {
		t.Fatalf("err = %v, want ErrInvalidIDToken", err)
	}
	if n := e.srv.Count(oidctest.JWKSURI); n != 0 {
		t.Fatalf("JWKS requests = %d, want 0", n)
	}
}

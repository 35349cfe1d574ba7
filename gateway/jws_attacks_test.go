package gateway

// Section D of docs/rp-security.md: JWS/JWT attack classes (gw-jwt-13 is in
// concurrency_test.go).

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/oidc/oidctest"
)

// forbiddenCalls are jwx and crypto calls that would skip verification or take keys from the
// token; no non-test source file may contain them.
var forbiddenCalls = []string{"ParseInsecure", "WithVerify(false)", "VerifyAuto", "WithVerifyAuto", "InsecureSkipVerify"}

// assertNoForbiddenCalls scans the module's non-test Go files for forbiddenCalls.
func assertNoForbiddenCalls(t *testing.T) {
	t.Helper()
	n := 0
	err := filepath.WalkDir("..", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		n++
		for _, f := range forbiddenCalls {
			if bytes.Contains(b, []byte(f)) {
				t.Errorf("%s uses %s", path, f)
			}
		}
		return nil
	})
	if err != nil || n < 20 {
		t.Fatalf("scanned %d source files (%v): the scan would prove little", n, err)
	}
}

func TestCase_gw_jwt_01_RefusesAlgNoneInAnyCase(t *testing.T) {
	t.Parallel()
	assertNoForbiddenCalls(t)
	none := func(alg string) oidcCase {
		return oidcCase{op: oidctest.Options{SigningAlgs: []string{"RS256", "none"}}, want: http.StatusUnauthorized,
			forge: func(h *harness) {
				h.op.SetSigningAlg("none")
				h.op.MutateHeader(func(hd map[string]any) { hd["alg"] = alg })
			}}
	}
	runCases(t, map[string]oidcCase{"none": none("none"), "None": none("None"), "NONE": none("NONE")})
}

func TestCase_gw_jwt_02_RefusesHS256KeyedWithPublicKey(t *testing.T) {
	t.Parallel()
	pub := suiteKey1().Private.Public().(*rsa.PublicKey)
	der, _ := x509.MarshalPKIXPublicKey(pub)
	hs := func(key []byte) oidcCase {
		return oidcCase{op: oidctest.Options{SigningAlgs: []string{"RS256", "HS256"}}, want: http.StatusUnauthorized,
			log: `alg "HS256" is not allowed`,
			forge: func(h *harness) {
				h.op.SetSigningAlg("HS256")
				h.op.SetHMACKey(key)
			}}
	}
	runCases(t, map[string]oidcCase{
		"MAC key: PEM of the public key": hs(suiteKey1().PublicKeyPEM()),
		"MAC key: DER of the public key": hs(der),
		"MAC key: the modulus n":         hs(pub.N.Bytes()),
		"MAC key: the JWK n member":      hs([]byte(b64url(pub.N.Bytes()))),
	})
	t.Run("kakao", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessOptions{})
		kid, pemKey := kakaoPublicKey(t, h)
		c, cb := kakaoForgedLogin(t, h, func(claims map[string]any) string {
			tok, err := oidctest.Sign("HS256", nil, pemKey, map[string]any{"alg": "HS256", "typ": "JWT", "kid": kid}, claims)
			if err != nil {
				t.Fatal(err)
			}
			return tok
		})
		h.expectRefused(t, c, cb, http.StatusUnauthorized, 1)
	})
}

// kakaoPublicKey returns the kid and PEM public key of the emulator's first JWK.
func kakaoPublicKey(t *testing.T, h *harness) (string, []byte) {
	t.Helper()
	res := h.get(&http.Client{Timeout: 5 * time.Second}, h.kakao.URL()+"/.well-known/jwks.json")
	var set struct {
		Keys []struct{ Kid, N, E string }
	}
	if err := json.Unmarshal([]byte(res.body), &set); err != nil || len(set.Keys) == 0 {
		t.Fatalf("emulator JWKS %q: %v", res.body, err)
	}
	n, _ := base64.RawURLEncoding.DecodeString(set.Keys[0].N)
	e, _ := base64.RawURLEncoding.DecodeString(set.Keys[0].E)
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return set.Keys[0].Kid, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

func TestCase_gw_jwt_04_KeyWithoutAlgVerifiesOnlyAllowedMatchingAlg(t *testing.T) {
	t.Parallel()
	noAlg := suiteKey1().With("key-1", "", "sig")
	runCases(t, map[string]oidcCase{
		"RS256 token, key without alg": {op: oidctest.Options{Keys: []*oidctest.Key{noAlg}}, want: http.StatusFound},
		"PS256 token outside the allow-list": {op: oidctest.Options{Keys: []*oidctest.Key{noAlg}}, want: http.StatusUnauthorized,
			log: `alg "PS256" is not allowed`, forge: func(h *harness) { h.op.SetSigningAlg("PS256") }},
		"ES256 token naming the RSA key": {op: oidctest.Options{Keys: []*oidctest.Key{noAlg}, SigningAlgs: []string{"RS256", "ES256"}},
			want: http.StatusUnauthorized, log: "cannot verify ES256", forge: func(h *harness) {
				h.op.SetKeys(suiteECKey().With("key-1", "ES256", "sig"), noAlg)
				h.op.SetSigningAlg("ES256")
			}},
	})
}

func TestCase_gw_jwt_05_RefusesHostileKidsWithBoundedFetchesAndLogs(t *testing.T) {
	t.Parallel()
	h := newOIDC(t, harnessOptions{})
	for _, kid := range []string{"../../../dev/null", "' OR '1'='1' --", "a\r\nX-Injected: 1", "%00%0d%0a", strings.Repeat("k", 8<<10)} {
		c := h.browser()
		cb := h.authorize(c, "/app", 0)
		h.op.MutateHeader(func(hd map[string]any) { hd["kid"] = kid })
		h.expectRefused(t, c, cb, http.StatusUnauthorized, 1)
	}
	if n := h.op.Count(oidctest.JWKSURI); n > 2 {
		t.Errorf("JWKS fetched %d times: more than the first fetch and one rate-limited refetch", n)
	}
	for _, e := range h.logs.All() {
		for k, v := range e.ContextMap() {
			s, _ := v.(string)
			if strings.ContainsAny(s, "\r\n") || len(s) > 2048 {
				t.Errorf("log field %s is unescaped or unbounded: %.100q", k, s)
			}
		}
	}
	h.op.MutateHeader(nil)
	c := h.browser()
	h.expectLogin(t, c, h.authorize(c, "/app", 0), "/app", "user-1")
}

func TestCase_gw_jwt_06_NeverUsesKeysFromTokenHeader(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	attacker := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		_, _ = w.Write(oidctest.JWKS(suiteAttacker()))
	}))
	t.Cleanup(attacker.Close)
	headers := func(hd map[string]any) {
		hd["jku"] = attacker.URL + "/jwks"
		hd["x5u"] = attacker.URL + "/cert.pem"
		hd["jwk"] = suiteAttacker().JWK()
		hd["x5c"] = []string{base64.StdEncoding.EncodeToString([]byte("not really a certificate"))}
	}
	for name, kid := range map[string]string{"unknown kid": "attacker", "known kid": "key-1"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			oidcCase{want: http.StatusUnauthorized, forge: func(h *harness) {
				h.op.SetKeys(suiteAttacker().With(kid, "RS256", "sig"), suiteKey1())
				h.op.MutateHeader(headers)
			}}.run(t)
		})
	}
	t.Cleanup(func() {
		if n := hits.Load(); n != 0 {
			t.Errorf("the attacker's key server got %d requests", n)
		}
	})
	assertNoForbiddenCalls(t)
}

func TestCase_gw_jwt_08_RefusesJSONSerializedJWS(t *testing.T) {
	t.Parallel()
	jsonForm := func(general bool) func(string) string {
		return func(good string) string {
			p := strings.Split(good, ".")
			var v any = map[string]string{"protected": p[0], "payload": p[1], "signature": p[2]}
			if general {
				sig := map[string]string{"protected": p[0], "signature": p[2]}
				v = map[string]any{"payload": p[1], "signatures": []any{sig, sig}}
			}
			b, _ := json.Marshal(v)
			return string(b)
		}
	}
	runCases(t, map[string]oidcCase{
		"flattened JSON serialization": {want: http.StatusUnauthorized, log: "not a compact JWS", forge: func(h *harness) { replaceIDToken(h, jsonForm(false)) }},
		"general JSON, two signatures": {want: http.StatusUnauthorized, log: "not a compact JWS", forge: func(h *harness) { replaceIDToken(h, jsonForm(true)) }},
	})
}

func TestCase_gw_jwt_09_RefusesJWE(t *testing.T) {
	t.Parallel()
	hdr, _ := json.Marshal(map[string]any{"alg": "PBES2-HS256+A128KW", "enc": "A128GCM", "zip": "DEF", "p2c": 2147483647, "p2s": "c2FsdA", "kid": "key-1"})
	jwe := b64url(hdr) + "." + b64url(bytes.Repeat([]byte{1}, 40)) + "." + b64url([]byte("iv-iv-iv-iv")) + "." +
		b64url(bytes.Repeat([]byte{2}, 4000)) + "." + b64url([]byte("tag-tag-tag-tag"))
	start := time.Now()
	oidcCase{want: http.StatusUnauthorized, log: "want 3 segments, got 5", forge: func(h *harness) {
		replaceIDToken(h, func(string) string { return jwe })
	}}.run(t)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("refusing a JWE took %v", d)
	}
}

func TestCase_gw_jwt_09b_RefusesMalformedCompactJWS(t *testing.T) {
	t.Parallel()
	signed := func(payload string) func(*testing.T) string {
		return func(t *testing.T) string {
			return signRawRS256(t, suiteKey1(), map[string]any{"alg": "RS256", "kid": "key-1"}, []byte(payload))
		}
	}
	literal := func(s string) func(*testing.T) string { return func(*testing.T) string { return s } }
	for name, raw := range map[string]func(*testing.T) string{
		"two segments":          literal("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0"),
		"four segments":         literal("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln.c2ln"),
		"bad base64url":         literal("eyJhbGciOiJSUzI1NiJ9!.eyJzdWIiOiJ4In0.c2ln"),
		"padded base64":         literal("eyJhbGciOiJSUzI1NiJ9==.eyJzdWIiOiJ4In0.c2ln"),
		"header not JSON":       literal(b64url([]byte("not json")) + ".eyJzdWIiOiJ4In0.c2ln"),
		"payload an array":      signed(`["sub","x"]`),
		"payload a string":      signed(`"hello"`),
		"payload null":          signed(`null`),
		"payload trailing data": signed(`{"sub":"x"}{"sub":"y"}`),
		"empty token":           literal(""),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			want := http.StatusUnauthorized
			if name == "empty token" {
				want = http.StatusBadGateway // the token answer then has no id_token at all
			}
			oidcCase{want: want, forge: func(h *harness) {
				tok := raw(t)
				replaceIDToken(h, func(string) string { return tok })
			}}.run(t)
		})
	}
}

func TestCase_gw_jwt_10_RefusesOrDiscardsOversizedAnswers(t *testing.T) {
	t.Parallel()
	tenMB := bytes.Repeat([]byte("x"), 10<<20)
	bounded := func(t *testing.T, start time.Time) {
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("took %v", d)
		}
	}
	t.Run("id_token of 1 MB", func(t *testing.T) {
		t.Parallel()
		start := time.Now()
		oidcCase{want: http.StatusServiceUnavailable, log: "response body too large", forge: func(h *harness) {
			replaceIDToken(h, func(string) string { return strings.Repeat("a", 1<<20) })
		}}.run(t)
		bounded(t, start)
	})
	t.Run("id_token of 20 KB", func(t *testing.T) {
		t.Parallel()
		oidcCase{want: http.StatusBadGateway, log: "id_token is larger than", forge: func(h *harness) {
			replaceIDToken(h, func(string) string { return strings.Repeat("a", 20<<10) })
		}}.run(t)
	})
	t.Run("token answer of 10 MB", func(t *testing.T) {
		t.Parallel()
		start := time.Now()
		oidcCase{want: http.StatusServiceUnavailable, log: "response body too large", forge: func(h *harness) {
			h.op.SetFault(oidctest.Token, oidctest.Fault{Body: tenMB})
		}}.run(t)
		bounded(t, start)
	})
	t.Run("JWKS of 10 MB", func(t *testing.T) {
		t.Parallel()
		oidcCase{want: http.StatusServiceUnavailable, log: "response body too large", forge: func(h *harness) {
			h.op.SetFault(oidctest.JWKSURI, oidctest.Fault{Body: tenMB})
		}}.run(t)
	})
	t.Run("userinfo of 10 MB: discarded", func(t *testing.T) {
		t.Parallel()
		h, c := oidcCase{want: http.StatusFound, forge: func(h *harness) {
			h.op.SetFault(oidctest.UserInfo, oidctest.Fault{Body: tenMB})
		}}.run(t)
		if _, ok := h.storedSession(t, c).claims["name"]; ok || h.logs.FilterMessage("userinfo not used").Len() != 1 {
			t.Error("an oversized userinfo answer was used, or its refusal not logged")
		}
	})
	t.Run("discovery of 10 MB", func(t *testing.T) {
		t.Parallel()
		h := newOIDC(t, harnessOptions{})
		h.op.SetFault(oidctest.Discovery, oidctest.Fault{Body: tenMB})
		start := time.Now()
		res := h.get(noFollow(h.browser()), "/.auth/login")
		bounded(t, start)
		if res.StatusCode != http.StatusServiceUnavailable || h.op.Count(oidctest.Authorize) != 0 {
			t.Fatalf("login with a 10 MB discovery document: %d", res.StatusCode)
		}
		if id := h.problemID(t, res, true); !loggedError(h, id, "response body too large") {
			t.Errorf("not logged as too large: %v", h.loggedWith(id))
		}
	})
}

func TestCase_gw_jwt_11_RefusesKidNamingEncOrECKey(t *testing.T) {
	t.Parallel()
	runCases(t, map[string]oidcCase{
		"kid names a use=enc key": {want: http.StatusUnauthorized, log: "cannot verify RS256", forge: func(h *harness) {
			h.op.SetKeys(suiteKey1(), suiteKey2(), suiteKey1().With("key-1", "RS256", "enc"))
		}},
		"kid names an EC key, alg RS256": {want: http.StatusUnauthorized, log: "cannot verify RS256", forge: func(h *harness) {
			h.op.SetKeys(suiteKey1(), suiteKey2(), suiteECKey().With("key-1", "", "sig"))
		}},
	})
}

func TestCase_gw_jwt_14_KeepsLastGoodKeysWhenJWKSFails(t *testing.T) {
	t.Parallel()
	for name, f := range map[string]oidctest.Fault{
		"500":       {Status: http.StatusInternalServerError},
		"times out": {Delay: 3 * providerTimeout},
		"garbage":   {Body: []byte("<html>not a key set")},
		"empty set": {Body: []byte(`{"keys":[]}`)},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newOIDC(t, harnessOptions{})
			login := func(want int) {
				t.Helper()
				c := h.browser()
				cb := h.authorize(c, "/app", 0)
				if want == http.StatusFound {
					h.expectLogin(t, c, cb, "/app", "user-1")
				} else {
					h.expectRefused(t, c, cb, want, 1)
				}
			}
			login(http.StatusFound)
			h.op.SetFault(oidctest.JWKSURI, f)
			login(http.StatusFound) // known kid: the cached set is used
			h.op.SetKeys(suiteKey2(), suiteKey1())
			// Unknown kid: the refetch fails and the set stays. The login is refused as a
			// provider outage (503), since the kid may be a rotation the gateway cannot fetch.
			login(http.StatusServiceUnavailable)
			h.op.SetKeys(suiteKey1(), suiteKey1())
			login(http.StatusFound) // the last good set was kept
			if n := h.op.Count(oidctest.JWKSURI); n != 2 {
				t.Errorf("JWKS requests = %d, want the first fetch and one refetch", n)
			}
		})
	}
}

func TestCase_gw_jwt_15_ClampsJWKSMaxAgeAndRefetchesOnRotation(t *testing.T) {
	t.Parallel()
	for _, maxAge := range []string{"max-age=0", "max-age=31536000"} {
		t.Run(maxAge, func(t *testing.T) {
			t.Parallel()
			h := newOIDC(t, harnessOptions{})
			h.op.SetFault(oidctest.JWKSURI, oidctest.Fault{Header: http.Header{"Cache-Control": {maxAge}}})
			for range 3 {
				c := h.browser()
				h.expectLogin(t, c, h.authorize(c, "/app", 0), "/app", "user-1")
			}
			if n := h.op.Count(oidctest.JWKSURI); n != 1 {
				t.Errorf("JWKS fetched %d times for three logins, want 1 (max-age clamped up)", n)
			}
			h.op.SetKeys(suiteKey2(), suiteKey2())
			c := h.browser()
			h.expectLogin(t, c, h.authorize(c, "/app", 0), "/app", "user-1")
			if n := h.op.Count(oidctest.JWKSURI); n != 2 {
				t.Errorf("JWKS fetched %d times after a rotation, want one refetch despite the max-age", n)
			}
		})
	}
}

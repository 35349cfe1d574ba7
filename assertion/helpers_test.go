package assertion

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/internal/testclock"

	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jwt"

	"github.com/kakaogate/kakaogate/internal/secret"
)

const testIssuer = "https://gw.example.com"

// fillSecret returns a secret of the minimum length filled with fill.
func fillSecret(fill byte) []byte { return bytes.Repeat([]byte{fill}, secret.MinLen) }

// newClock returns the tests' clock, standing at a fixed time.
func newClock() *testclock.Clock {
	return testclock.New(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC))
}

// mustSigner returns a signer for secrets with the test issuer and clk.
func mustSigner(t testing.TB, secrets [][]byte, clk *testclock.Clock, size int) *Signer {
	t.Helper()
	s, err := NewSigner(secrets, Options{Issuer: testIssuer, Now: clk.Now, CacheSize: size})
	if err != nil {
		t.Fatalf("NewSigner: %v", err)
	}
	return s
}

// mustAssert returns an assertion or fails the test.
func mustAssert(t testing.TB, s *Signer, session, audience string, claims map[string]string) string {
	t.Helper()
	tok, err := s.Assertion(session, audience, claims)
	if err != nil {
		t.Fatalf("Assertion(%q, %q): %v", session, audience, err)
	}
	return tok
}

// verify parses and validates token as an upstream would: signature against
// the published set, iss, aud and time at now.
func verify(t testing.TB, jwks []byte, token, audience, issuer string, now time.Time) (jwt.Token, error) {
	t.Helper()
	set, err := jwk.Parse(jwks)
	if err != nil {
		t.Fatalf("jwk.Parse(%s): %v", jwks, err)
	}
	return jwt.Parse([]byte(token),
		jwt.WithKeySet(set),
		jwt.WithValidate(true),
		jwt.WithAudience(audience),
		jwt.WithIssuer(issuer),
		jwt.WithClock(jwt.ClockFunc(func() time.Time { return now })),
	)
}

// part decodes the JSON of part i (0 header, 1 payload) of a compact JWS.
func part(t testing.TB, token string, i int) map[string]any {
	t.Helper()
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts, want 3", len(parts))
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[i])
	if err != nil {
		t.Fatalf("decode part %d: %v", i, err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("unmarshal part %d %s: %v", i, raw, err)
	}
	return m
}

// kids returns the kids of a JWK Set in order.
func kids(t testing.TB, jwks []byte) []string {
	t.Helper()
	set, err := jwk.Parse(jwks)
	if err != nil {
		t.Fatalf("jwk.Parse: %v", err)
	}
	var out []string
	for it := set.Keys(context.Background()); it.Next(context.Background()); {
		out = append(out, it.Pair().Value.(jwk.Key).KeyID())
	}
	return out
}

// userClaims returns claims like the gateway's for user id.
func userClaims(id string) map[string]string {
	return map[string]string{
		"id":             id,
		"nickname":       "라이언",
		"email":          id + "@example.com",
		"email_verified": "true",
		"picture":        "https://k.kakaocdn.net/dn/abc/img_640x640.jpg",
		"age_range":      "20~29",
		"gender":         "male",
		"provider":       "kakao",
	}
}

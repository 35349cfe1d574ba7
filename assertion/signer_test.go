package assertion

import (
	"bytes"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwt"
)

func TestNewSignerRejectsBadConfig(t *testing.T) {
	ok := [][]byte{fillSecret('a')}
	tests := []struct {
		name    string
		secrets [][]byte
		opts    Options
		want    string
	}{
		{"no secret", nil, Options{Issuer: testIssuer}, "no secret"},
		{"a secret under 32 bytes", [][]byte{fillSecret('a'), []byte("0123456789012345678901234567890")}, Options{Issuer: testIssuer}, "secret 2 is 31 bytes"},
		{"an empty secret", [][]byte{{}}, Options{Issuer: testIssuer}, "secret 1 is 0 bytes"},
		{"no issuer", ok, Options{}, "issuer is required"},
		{"a negative ttl", ok, Options{Issuer: testIssuer, TTL: -time.Second}, "below one second"},
		{"a ttl under a second", ok, Options{Issuer: testIssuer, TTL: 999 * time.Millisecond}, "below one second"},
		{"a ttl over an hour", ok, Options{Issuer: testIssuer, TTL: MaxTTL + time.Second}, "exceeds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewSigner(tt.secrets, tt.opts)
			if err == nil || s != nil {
				t.Fatalf("NewSigner = %v, %v; want error containing %q", s, err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "assertion: ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q, want prefix \"assertion: \" and %q", err, tt.want)
			}
		})
	}
}

func TestTTLDefaultsAndRoundsUpToWholeSeconds(t *testing.T) {
	tests := []struct {
		name string
		ttl  time.Duration
		want time.Duration
	}{
		{"zero means the default", 0, DefaultTTL},
		{"whole seconds are kept", 90 * time.Second, 90 * time.Second},
		{"a fraction rounds up", 1500 * time.Millisecond, 2 * time.Second},
		{"the maximum is allowed", MaxTTL, MaxTTL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newClock()
			s, err := NewSigner([][]byte{fillSecret('a')}, Options{Issuer: testIssuer, TTL: tt.ttl, Now: clk.Now})
			if err != nil {
				t.Fatal(err)
			}
			if s.TTL() != tt.want {
				t.Errorf("TTL() = %v, want %v", s.TTL(), tt.want)
			}
			p := part(t, mustAssert(t, s, "sid", "app.example.com", nil), 1)
			if got := time.Duration(p["exp"].(float64)-p["iat"].(float64)) * time.Second; got != tt.want {
				t.Errorf("exp - iat = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestAssertionVerifiesWithPublishedJWKS(t *testing.T) {
	clk := newClock()
	s := mustSigner(t, [][]byte{fillSecret('a')}, clk, 0)
	claims := userClaims("4242")
	claims["note"] = `<a href="x">&amp;</a>` + "\n\t\x00" + `"'\`
	claims["emoji"] = "카카오 🐻 프렌즈"
	claims["iss"] = "https://evil.example" // a claim named like a registered one
	claims[""] = "empty key"
	tok := mustAssert(t, s, "sid-1", "app.example.com", claims)

	h := part(t, tok, 0)
	if h["alg"] != "ES256" || h["typ"] != "JWT" || h["kid"] != s.KeyID() || len(h) != 3 {
		t.Errorf("header = %v, want alg ES256, typ JWT, kid %s", h, s.KeyID())
	}
	parsed, err := verify(t, s.JWKS(), tok, "app.example.com", testIssuer, clk.Now())
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if parsed.Issuer() != testIssuer || parsed.Subject() != "4242" || !slices.Equal(parsed.Audience(), []string{"app.example.com"}) {
		t.Errorf("iss %q sub %q aud %v", parsed.Issuer(), parsed.Subject(), parsed.Audience())
	}
	if !parsed.IssuedAt().Equal(clk.Now()) || !parsed.Expiration().Equal(clk.Now().Add(DefaultTTL)) {
		t.Errorf("iat %v exp %v, want %v and +%v", parsed.IssuedAt(), parsed.Expiration(), clk.Now(), DefaultTTL)
	}
	if len(parsed.JwtID()) < 22 {
		t.Errorf("jti %q is too short to be random", parsed.JwtID())
	}
	raw, ok := parsed.Get("claims")
	if !ok {
		t.Fatal("no claims object")
	}
	got := map[string]string{}
	for k, v := range raw.(map[string]any) {
		got[k] = v.(string)
	}
	if !maps.Equal(got, claims) {
		t.Errorf("claims round trip:\n got %q\nwant %q", got, claims)
	}
}

func TestAssertionVerificationFails(t *testing.T) {
	clk := newClock()
	s := mustSigner(t, [][]byte{fillSecret('a')}, clk, 0)
	other := mustSigner(t, [][]byte{fillSecret('b')}, clk, 0)
	tok := mustAssert(t, s, "sid", "a.example.com", userClaims("1"))
	parts := strings.Split(tok, ".")
	forged := mustAssert(t, other, "sid", "a.example.com", userClaims("1"))
	tests := []struct {
		name     string
		token    string
		audience string
		issuer   string
	}{
		{"a token for host A at host B", tok, "b.example.com", testIssuer},
		{"a token for host A at a host that extends it", tok, "a.example.com.evil", testIssuer},
		{"a token from another issuer", tok, "a.example.com", "kakaogate"},
		{"a token signed under another secret", forged, "a.example.com", testIssuer},
		{"a payload swapped under our signature", parts[0] + "." + strings.Split(forged, ".")[1] + "." + parts[2], "a.example.com", testIssuer},
		{"a token without its signature", parts[0] + "." + parts[1] + ".", "a.example.com", testIssuer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := verify(t, s.JWKS(), tt.token, tt.audience, tt.issuer, clk.Now()); err == nil {
				t.Error("verified, want an error")
			}
		})
	}
}

func TestExpiryFollowsTheInjectedClock(t *testing.T) {
	clk := newClock()
	s := mustSigner(t, [][]byte{fillSecret('a')}, clk, 0)
	issued := clk.Now()
	tok := mustAssert(t, s, "sid", "app.example.com", userClaims("1"))
	tests := []struct {
		name  string
		at    time.Duration
		valid bool
	}{
		{"valid when issued", 0, true},
		{"valid a second before exp", DefaultTTL - time.Second, true},
		{"expired a second after exp", DefaultTTL + time.Second, false},
		{"expired an hour later", time.Hour, false},
		{"not yet valid before iat", -time.Minute, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := verify(t, s.JWKS(), tok, "app.example.com", testIssuer, issued.Add(tt.at))
			if tt.valid != (err == nil) {
				t.Errorf("verify at %v: err = %v, want valid %v", tt.at, err, tt.valid)
			}
			if !tt.valid && tt.at > 0 && !errors.Is(err, jwt.ErrTokenExpired()) {
				t.Errorf("err = %v, want ErrTokenExpired", err)
			}
		})
	}
}

func TestSignersFromTheSameSecretsAgree(t *testing.T) {
	clk := newClock()
	secrets := [][]byte{fillSecret('a'), fillSecret('b')}
	s1 := mustSigner(t, secrets, clk, 0)
	s2 := mustSigner(t, [][]byte{bytes.Clone(secrets[0]), bytes.Clone(secrets[1])}, clk, 0)
	if !bytes.Equal(s1.JWKS(), s2.JWKS()) || s1.KeyID() != s2.KeyID() {
		t.Fatalf("instances disagree:\n%s\n%s", s1.JWKS(), s2.JWKS())
	}
	for _, tt := range []struct {
		name           string
		signer, holder *Signer
	}{
		{"instance 2 verifies instance 1", s1, s2},
		{"instance 1 verifies instance 2", s2, s1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tok := mustAssert(t, tt.signer, "sid", "app.example.com", userClaims("7"))
			if _, err := verify(t, tt.holder.JWKS(), tok, "app.example.com", testIssuer, clk.Now()); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestRotationSignsWithTheNewKeyAndPublishesTheOld(t *testing.T) {
	clk := newClock()
	before := mustSigner(t, [][]byte{fillSecret('o')}, clk, 0)
	after := mustSigner(t, [][]byte{fillSecret('n'), fillSecret('o')}, clk, 0)
	if after.KeyID() == before.KeyID() {
		t.Fatal("rotation kept the signing key")
	}
	if got, want := kids(t, after.JWKS()), []string{after.KeyID(), before.KeyID()}; !slices.Equal(got, want) {
		t.Fatalf("kids after rotation = %v, want %v (new first)", got, want)
	}
	oldTok := mustAssert(t, before, "sid", "app.example.com", userClaims("1"))
	newTok := mustAssert(t, after, "sid", "app.example.com", userClaims("1"))
	tests := []struct {
		name    string
		token   string
		jwks    []byte
		kid     string
		wantErr bool
	}{
		{"a new token carries the new kid and verifies", newTok, after.JWKS(), after.KeyID(), false},
		{"a token issued before rotation still verifies", oldTok, after.JWKS(), before.KeyID(), false},
		{"a new token fails against the old key set", newTok, before.JWKS(), after.KeyID(), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if kid := part(t, tt.token, 0)["kid"]; kid != tt.kid {
				t.Errorf("kid = %v, want %s", kid, tt.kid)
			}
			_, err := verify(t, tt.jwks, tt.token, "app.example.com", testIssuer, clk.Now())
			if (err != nil) != tt.wantErr {
				t.Errorf("verify err = %v, want error %v", err, tt.wantErr)
			}
		})
	}
}

func TestJWKSHoldsOneKeyPerDistinctSecret(t *testing.T) {
	clk := newClock()
	s := mustSigner(t, [][]byte{fillSecret('a'), fillSecret('a'), fillSecret('b')}, clk, 0)
	if got := kids(t, s.JWKS()); len(got) != 2 || got[0] != s.KeyID() {
		t.Errorf("kids = %v, want 2 with %s first", got, s.KeyID())
	}
	j := s.JWKS()
	j[0] = 'X'
	if s.JWKS()[0] != '{' {
		t.Error("modifying the returned JWKS changed the signer's")
	}
}

func TestEmptyClaimsAndSessions(t *testing.T) {
	clk := newClock()
	s := mustSigner(t, [][]byte{fillSecret('a')}, clk, 0)
	tests := []struct {
		name    string
		session string
		claims  map[string]string
	}{
		{"nil claims", "sid", nil},
		{"empty claims", "sid2", map[string]string{}},
		{"claims without id", "sid3", map[string]string{"nickname": "무지"}},
		{"no session id", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok := mustAssert(t, s, tt.session, "app.example.com", tt.claims)
			if _, err := verify(t, s.JWKS(), tok, "app.example.com", testIssuer, clk.Now()); err != nil {
				t.Fatal(err)
			}
			p := part(t, tok, 1)
			if _, ok := p["sub"]; ok {
				t.Errorf("sub present without an id claim: %v", p)
			}
			if c, ok := p["claims"].(map[string]any); !ok || len(c) != len(tt.claims) {
				t.Errorf("claims = %#v, want an object of %d", p["claims"], len(tt.claims))
			}
		})
	}
}

func TestEmptyAudienceIsRejected(t *testing.T) {
	s := mustSigner(t, [][]byte{fillSecret('a')}, newClock(), 0)
	if _, err := s.Assertion("sid", "", userClaims("1")); !errors.Is(err, ErrNoAudience) {
		t.Errorf("err = %v, want ErrNoAudience", err)
	}
}

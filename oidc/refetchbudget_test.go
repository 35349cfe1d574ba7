package oidc

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/oidc/oidctest"
)

// TestLogoutTokensCannotSpendTheIDTokenRefetch: unauthenticated logout tokens with random
// kids spend only their own budget (one forced fetch per RefetchInterval); an ID token signed
// with a key rotated in right after still gets its refetch and verifies.
func TestLogoutTokensCannotSpendTheIDTokenRefetch(t *testing.T) {
	e := newEnv(t)
	e.mustVerify(t)
	for i := range 50 {
		_, err := e.c.VerifyLogoutToken(e.ctx, unsignedWithKid(t, e, fmt.Sprintf("random-%d", i)))
		if !errors.Is(err, ErrInvalidLogoutToken) {
			t.Fatalf("logout token with a random kid: %v, want ErrInvalidLogoutToken", err)
		}
	}
	if n := e.srv.Count(oidctest.JWKSURI); n != 2 {
		t.Fatalf("JWKS requests after 50 random logout kids = %d, want 2 (the first fetch and one forced by a logout token)", n)
	}
	e.srv.SetKeys(rsaKey2(), rsaKey2()) // the provider rotates its key
	e.mustVerify(t)
	if n := e.srv.Count(oidctest.JWKSURI); n != 3 {
		t.Fatalf("JWKS requests = %d, want 3 (the ID token's own refetch)", n)
	}
	// The logout budget recovers after the interval, and stays separate.
	e.clock.Add(DefaultRefetchInterval + time.Second)
	_, _ = e.c.VerifyLogoutToken(e.ctx, unsignedWithKid(t, e, "random-again"))
	if n := e.srv.Count(oidctest.JWKSURI); n != 4 {
		t.Fatalf("JWKS requests = %d, want 4 (the logout budget's next fetch)", n)
	}
}

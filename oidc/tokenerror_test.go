package oidc

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestTokenErrorMessageLeavesOutProviderText: the provider's error_description may echo what
// was sent (Kakao's KOE320 repeats the code), so it never reaches an error message or a log.
func TestTokenErrorMessageLeavesOutProviderText(t *testing.T) {
	te := &TokenError{StatusCode: 400, Code: "invalid_grant", KakaoCode: "KOE320", Description: "authorization code not found for code=SECRET"}
	got := fmt.Errorf("exchanging code: %w", te).Error()
	if strings.Contains(got, "SECRET") || !strings.Contains(got, "KOE320") || !strings.Contains(got, "invalid_grant") {
		t.Fatalf("message = %q", got)
	}
	if !errors.Is(te, ErrInvalidGrant) || te.Description == "" {
		t.Fatal("the description must stay available in the field")
	}
}

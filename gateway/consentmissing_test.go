package gateway

import (
	"net/http"
	"strings"
	"testing"

	"github.com/kakaogate/kakaogate/config"
)

func TestAllUnobtainable(t *testing.T) {
	tests := []struct {
		name    string
		claims  map[string]string
		missing []string
		want    bool
	}{
		{"no email on the account", map[string]string{"email_needs_agreement": "false"}, []string{"account_email"}, true},
		{"email could still be agreed", map[string]string{"email_needs_agreement": "true"}, []string{"account_email"}, false},
		{"no flag sent (property_keys left it out)", map[string]string{}, []string{"gender"}, false},
		{"one of two can still be agreed", map[string]string{"gender_needs_agreement": "false", "age_range_needs_agreement": "true"}, []string{"gender", "age_range"}, false},
		{"both cannot be had", map[string]string{"gender_needs_agreement": "false", "age_range_needs_agreement": "false"}, []string{"gender", "age_range"}, true},
		{"nothing missing", map[string]string{"email_needs_agreement": "false"}, nil, false},
		{"a scope that is not a Kakao item", map[string]string{}, []string{"https://example.com/api"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := allUnobtainable(tt.claims, tt.missing); got != tt.want {
				t.Fatalf("allUnobtainable(%v, %v) = %v, want %v", tt.claims, tt.missing, got, tt.want)
			}
		})
	}
}

// TestAPIRequestWithoutConsentIs403WithRequestID: an API request of a logged-in person who
// has not agreed to a required scope gets the small JSON 403 naming the scopes and the
// request id (quoted in the log line), not the consent screen.
func TestAPIRequestWithoutConsentIs403WithRequestID(t *testing.T) {
	h := newHarness(t, harnessOptions{configure: func(c *config.Config) { c.RequireScopes = []string{"phone_number"} }})
	c := h.browser()
	h.login(c, "/", 1002) // Muzi has no phone number to agree to
	res := h.get(noFollow(c), "/api/orders", "Accept: application/json")
	if res.StatusCode != http.StatusForbidden || !strings.Contains(res.body, `"required_scopes":["phone_number"]`) ||
		!strings.Contains(res.body, `"request_id":"`) || h.up.count() != 0 {
		t.Fatalf("API request without consent: %d %s", res.StatusCode, res.body)
	}
}

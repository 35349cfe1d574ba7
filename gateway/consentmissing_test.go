package gateway

import "testing"

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

package kakao

import "testing"

func TestConsentScopes(t *testing.T) {
	tests := []struct {
		name    string
		missing []string
		want    string
	}{
		{"openid is appended after the missing scopes", []string{"account_email", "gender"}, "account_email,gender,openid"},
		{"nothing missing still asks for openid", nil, "openid"},
		{"openid is not repeated and stays last", []string{"openid", "account_email"}, "account_email,openid"},
		{"duplicates and blanks are dropped", []string{"gender", " gender ", "", "age_range"}, "gender,age_range,openid"},
		{"entries that could split or smuggle are dropped", []string{"a,b", "c d", "e\nf", "ok"}, "ok,openid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ConsentScopes(tt.missing); got != tt.want {
				t.Errorf("ConsentScopes(%q) = %q, want %q", tt.missing, got, tt.want)
			}
		})
	}
}

package config

import (
	"strings"
	"testing"
)

// TestSignupPropertiesValidate: property names are Kakao's (letters, digits, _), bounded,
// never the signup form's own fields, each either fixed or form-supplied, and Kakao only.
func TestSignupPropertiesValidate(t *testing.T) {
	many := make([]string, MaxSignupProperties+1)
	for i := range many {
		many[i] = "p" + strings.Repeat("x", i)
	}
	tests := []struct {
		name  string
		fixed map[string]string
		form  []string
		oidc  bool
		want  string // "" valid
	}{
		{name: "none", want: ""},
		{name: "fixed and form", fixed: map[string]string{"plan": "free"}, form: []string{"marketing_opt_in"}, want: ""},
		{name: "empty fixed value", fixed: map[string]string{"plan": ""}, want: ""},
		{name: "bad name", form: []string{"my-prop"}, want: `"my-prop" is not a property name`},
		{name: "empty name", fixed: map[string]string{"": "x"}, want: `"" is not a property name`},
		{name: "long name", form: []string{strings.Repeat("a", MaxSignupPropertyName+1)}, want: "is not a property name"},
		{name: "long value", fixed: map[string]string{"plan": strings.Repeat("a", MaxSignupPropertyValue+1)}, want: "at most 1024 bytes"},
		{name: "invalid UTF-8", fixed: map[string]string{"plan": "\xff"}, want: "valid UTF-8"},
		{name: "reserved field", form: []string{"csrf"}, want: "field of the signup form"},
		{name: "fixed and form at once", fixed: map[string]string{"plan": "free"}, form: []string{"plan"}, want: "listed twice"},
		{name: "form twice", form: []string{"ref", "ref"}, want: "listed twice"},
		{name: "too many", form: many, want: "at most 32"},
		{name: "oidc", oidc: true, form: []string{"ref"}, want: "signup_properties is a Kakao option"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validKakao()
			if tt.oidc {
				c.Provider, c.AutoLogin, c.Issuer = ProviderOIDC, AutoLoginOff, "https://idp.example"
			}
			c.SignupProperties, c.SignupFormProperties = tt.fixed, tt.form
			err := c.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate() = %v, want %q", err, tt.want)
			}
		})
	}
}

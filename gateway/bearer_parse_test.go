package gateway

import "testing"

func TestParseBearer(t *testing.T) {
	tests := []struct {
		name   string
		values []string
		tok    string
		ok     bool
	}{
		{"none", nil, "", false},
		{"basic is not a bearer", []string{"Basic dXNlcjpwYXNz"}, "", false},
		{"kakao token", []string{"Bearer abc-DEF_123.456~+/="}, "abc-DEF_123.456~+/=", true},
		{"scheme in lower case", []string{"bearer tok"}, "tok", true},
		{"empty", []string{"Bearer "}, "", true},
		{"space inside", []string{"Bearer a b"}, "", true},
		{"twice", []string{"Bearer a", "Bearer b"}, "", true},
		{"bearer and basic", []string{"Bearer a", "Basic b"}, "", true},
		{"only padding", []string{"Bearer =="}, "", true},
		{"control character", []string{"Bearer a\x01"}, "", true},
		{"quote", []string{`Bearer a"`}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, ok := parseBearer(tt.values)
			if tok != tt.tok || ok != tt.ok {
				t.Fatalf("parseBearer(%q) = %q, %v; want %q, %v", tt.values, tok, ok, tt.tok, tt.ok)
			}
		})
	}
}

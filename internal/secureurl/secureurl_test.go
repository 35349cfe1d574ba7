package secureurl

import (
	"errors"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		raw      string
		ok       bool
		insecure bool
	}{
		{"https://kauth.kakao.com", true, false},
		{"https://idp.example/realms/x", true, false},
		{"http://localhost:9000", true, false},
		{"http://LOCALHOST:9000", true, false},
		{"http://127.0.0.1:9000/x", true, false},
		{"http://127.8.9.10", true, false},
		{"http://[::1]:9000", true, false},
		{"http://idp.example", false, true},
		{"http://10.0.0.1", false, true},
		{"http://localhost.example.com", false, true},
		{"ftp://idp.example", false, true},
		{"javascript:alert(1)", false, false},
		{"/relative/path", false, false},
		{"https://", false, false},
		{"https://user:pw@idp.example", false, false},
		{"https://idp.example/#frag", false, false},
		{"https://idp.example/#", false, false},
		{"https://idp.example/%zz", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			u, err := Parse(tt.raw)
			if tt.ok {
				if err != nil || u == nil {
					t.Fatalf("Parse(%q) = %v, %v; want accepted", tt.raw, u, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Parse(%q) accepted; want refused", tt.raw)
			}
			if got := errors.Is(err, ErrInsecure); got != tt.insecure {
				t.Fatalf("Parse(%q): errors.Is(err, ErrInsecure) = %v, want %v (%v)", tt.raw, got, tt.insecure, err)
			}
		})
	}
}

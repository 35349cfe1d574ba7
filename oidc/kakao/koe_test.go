package kakao

import (
	"strings"
	"testing"
)

func TestDescribeKOE(t *testing.T) {
	tests := []struct {
		name, code string
		contains   []string
		absent     []string
	}{
		{"KOE006 tells the operator which callback to register", "KOE006", []string{"not registered", "/callback", "KOE006"}, nil},
		{"KOE007 names the logout callback", "KOE007", []string{"logout redirect URI", "/logout/callback"}, nil},
		{"KOE010 points at the client secret", "KOE010", []string{"client_secret"}, nil},
		{"KOE101 points at the REST API key", "KOE101", []string{"REST API key"}, nil},
		{"KOE320 says to start again", "KOE320", []string{"start the login again"}, nil},
		{"KOE322 means log in again", "KOE322", []string{"log in again"}, nil},
		{"KOE205 names the consent items and the options that ask", "KOE205", []string{"consent items", "require_scope", "scopes", "KOE205"}, nil},
		{"KOE237 is a rate limit", "KOE237", []string{"rate limit"}, nil},
		{"case and spaces do not matter", " koe006 ", []string{"KOE006"}, nil},
		{"an unknown but well-formed code points to the guide", "KOE999", []string{"KOE999", "trouble-shooting"}, nil},
		{"anything else is never echoed", "<script>alert(1)</script>", []string{"unknown Kakao error"}, []string{"<script>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DescribeKOE(tt.code)
			for _, s := range tt.contains {
				if !strings.Contains(got, s) {
					t.Errorf("DescribeKOE(%q) = %q, missing %q", tt.code, got, s)
				}
			}
			for _, s := range tt.absent {
				if strings.Contains(got, s) {
					t.Errorf("DescribeKOE(%q) = %q, contains %q", tt.code, got, s)
				}
			}
		})
	}
	for _, c := range []string{KOE001, KOE002, KOE003, KOE004, KOE005, KOE006, KOE007, KOE008, KOE010, KOE101, KOE102, KOE201, KOE202, KOE205, KOE237, KOE303, KOE320, KOE322, KOE400} {
		if got := DescribeKOE(c); strings.Contains(got, "trouble-shooting") {
			t.Errorf("known code %s has no own description: %q", c, got)
		}
	}
}

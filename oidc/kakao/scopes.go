package kakao

import "strings"

// ScopeOpenID is the scope that makes Kakao issue an ID token. Additional
// consent must include it, or no new ID token is issued.
const ScopeOpenID = "openid"

// ConsentScopes builds the scope parameter of an additional-consent request:
// the missing scope IDs comma-separated (Kakao's separator on authorize),
// with openid appended once at the end. Empty entries, duplicates and entries
// containing commas, whitespace or control characters are dropped, so a scope
// list from a request can never smuggle another parameter.
//
//	ConsentScopes([]string{"account_email", "gender"}) == "account_email,gender,openid"
func ConsentScopes(missing []string) string {
	seen := map[string]bool{ScopeOpenID: true}
	out := make([]string, 0, len(missing)+1)
	for _, s := range missing {
		s = strings.TrimSpace(s)
		if s == "" || seen[s] || !validScopeID(s) {
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	return strings.Join(append(out, ScopeOpenID), ",")
}

// validScopeID reports whether s has no comma, whitespace or control byte.
func validScopeID(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == ',' || c == 0x7f {
			return false
		}
	}
	return true
}

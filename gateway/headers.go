package gateway

import (
	"net/http"
	"strings"

	"github.com/kakaogate/kakaogate/config"
)

// identityPrefix marks headers that only the gateway may set: every client-sent header whose
// name starts with it is removed, configured or not.
const identityPrefix = "X-Auth-"

// maxHeaderValue caps one identity header's value.
const maxHeaderValue = 1024

// identityHeaders sets the configured identity headers and removes forged ones.
type identityHeaders struct {
	mappings []config.HeaderClaim // header names canonicalised
}

func newIdentityHeaders(m []config.HeaderClaim) identityHeaders {
	out := make([]config.HeaderClaim, len(m))
	for i, hc := range m {
		out[i] = config.HeaderClaim{Header: http.CanonicalHeaderKey(hc.Header), Claim: hc.Claim}
	}
	return identityHeaders{mappings: out}
}

// strip deletes every client-sent copy of a configured identity header and of any header
// starting with X-Auth-, so nothing a client sends can pass for an identity the gateway set.
func (ih identityHeaders) strip(h http.Header) {
	for _, m := range ih.mappings {
		delete(h, m.Header)
	}
	for name := range h {
		if hasIdentityPrefix(name) {
			delete(h, name)
		}
	}
}

// inject sets the configured headers from claims. A claim the session lacks leaves its header
// absent (never empty), so "no email" and "empty email" cannot be confused.
//
// The values share one backing array (one allocation per request, not one per header); each
// header gets a slice of capacity one, so appending to one header never writes into another.
func (ih identityHeaders) inject(h http.Header, claims map[string]string) {
	var vals []string
	for _, m := range ih.mappings {
		if v, ok := claims[m.Claim]; ok && v != "" {
			if vals == nil {
				vals = make([]string, 0, len(ih.mappings))
			}
			i := len(vals)
			vals = append(vals, headerSafe(v))
			h[m.Header] = vals[i : i+1 : i+1]
		}
	}
}

// headerSafe drops control characters (CR and LF above all) and caps the length, so a claim
// can never split or smuggle a header. UTF-8 text such as Korean nicknames passes unchanged.
func headerSafe(v string) string {
	clean := true
	for i := 0; i < len(v); i++ {
		if v[i] < 0x20 || v[i] == 0x7f {
			clean = false
			break
		}
	}
	if !clean {
		v = strings.Map(func(r rune) rune {
			if r < 0x20 || r == 0x7f {
				return -1
			}
			return r
		}, v)
	}
	if len(v) > maxHeaderValue {
		v = strings.ToValidUTF8(v[:maxHeaderValue], "")
	}
	return v
}

// hasIdentityPrefix reports whether name starts with X-Auth- in any case.
func hasIdentityPrefix(name string) bool {
	return len(name) >= len(identityPrefix) && strings.EqualFold(name[:len(identityPrefix)], identityPrefix)
}

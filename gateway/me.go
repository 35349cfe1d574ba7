package gateway

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/kakaogate/kakaogate/oidc/kakao"
)

// serveMe handles GET <prefix>/me: the session's claims as JSON {"claims":{…}}, or 401.
func (g *Gateway) serveMe(w http.ResponseWriter, r *http.Request) {
	if !g.allowMethods(w, r, http.MethodGet, http.MethodHead) {
		return
	}
	_, sess, err := g.currentSession(w, r)
	if err != nil {
		g.fail(w, r, problem{
			Status: http.StatusServiceUnavailable, Code: "session_store_unavailable",
			Title: msgSignInUnavailable, Detail: msgRetryLater,
		}, err)
		return
	}
	if sess == nil {
		g.writeJSONError(w, r, http.StatusUnauthorized, "unauthenticated", "no session")
		return
	}
	body := map[string]any{"claims": typedClaims(sess.Claims)}
	if g.kakao != nil {
		// Items a further consent would reveal (Kakao's *_needs_agreement flags).
		needs := kakao.NeedsAgreement(sess.Claims)
		if needs == nil {
			needs = []string{}
		}
		body["needs_agreement"] = needs
	}
	writeJSON(w, http.StatusOK, body)
}

// booleanClaims and numberClaims are the claims <prefix>/me answers as JSON booleans and
// numbers (besides every "<item>_needs_agreement", a boolean); every other claim, "id" and
// "sub" included, stays a string. Sessions keep every claim as text (headers are text), so
// the types come from this table, never from what a value looks like.
var (
	booleanClaims = []string{"email_verified", "phone_number_verified", "has_signed_up"}
	numberClaims  = []string{"updated_at"}
)

// typedClaims returns claims with the values of booleanClaims and numberClaims as JSON
// booleans and numbers. A value that does not parse as its type stays text: nothing is
// dropped.
func typedClaims(claims map[string]string) map[string]any {
	out := make(map[string]any, len(claims))
	for name, v := range claims {
		out[name] = v
		switch {
		case slices.Contains(booleanClaims, name) || strings.HasSuffix(name, "_needs_agreement"):
			if b, err := strconv.ParseBool(v); err == nil && (v == "true" || v == "false") {
				out[name] = b
			}
		case slices.Contains(numberClaims, name):
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				out[name] = n
			}
		}
	}
	return out
}

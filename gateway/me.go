package gateway

import (
	"net/http"

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
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "unauthenticated", "message": "no session"})
		return
	}
	body := map[string]any{"claims": sess.Claims}
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

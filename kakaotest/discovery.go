package kakaotest

import (
	"net/http"
)

// discoveryDocument is Kakao's OpenID Provider metadata: exactly the fields
// of Kakao's document, in its order (no end_session_endpoint, no
// revocation_endpoint).
type discoveryDocument struct {
	Issuer                            string   `json:"issuer"`
	AuthorizationEndpoint             string   `json:"authorization_endpoint"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	UserinfoEndpoint                  string   `json:"userinfo_endpoint"`
	JWKSURI                           string   `json:"jwks_uri"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	SubjectTypesSupported             []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported  []string `json:"id_token_signing_alg_values_supported"`
	RequestURIParameterSupported      bool     `json:"request_uri_parameter_supported"`
	ResponseTypesSupported            []string `json:"response_types_supported"`
	ResponseModesSupported            []string `json:"response_modes_supported"`
	GrantTypesSupported               []string `json:"grant_types_supported"`
	CodeChallengeMethodsSupported     []string `json:"code_challenge_methods_supported"`
	ClaimsSupported                   []string `json:"claims_supported"`
}

// handleDiscovery serves GET /.well-known/openid-configuration. Every URL
// is built from the configured Issuer, never from the request.
func (e *Emulator) handleDiscovery(w http.ResponseWriter, r *http.Request) {
	if !allowMethods(w, r, http.MethodGet, http.MethodHead) {
		return
	}
	writeJSON(w, http.StatusOK, discoveryDocument{
		Issuer:                            e.opts.Issuer,
		AuthorizationEndpoint:             e.url("/oauth/authorize"),
		TokenEndpoint:                     e.url("/oauth/token"),
		UserinfoEndpoint:                  e.url("/v1/oidc/userinfo"),
		JWKSURI:                           e.url("/.well-known/jwks.json"),
		TokenEndpointAuthMethodsSupported: []string{"client_secret_post"},
		SubjectTypesSupported:             []string{"public"},
		IDTokenSigningAlgValuesSupported:  []string{"RS256"},
		RequestURIParameterSupported:      false,
		ResponseTypesSupported:            []string{"code"},
		ResponseModesSupported:            []string{"query"},
		GrantTypesSupported:               []string{"authorization_code", "refresh_token"},
		CodeChallengeMethodsSupported:     []string{"S256"},
		ClaimsSupported:                   []string{"iss", "aud", "sub", "auth_time", "exp", "iat", "nonce", "nickname", "picture", "email"},
	})
}

// handleJWKS serves GET /.well-known/jwks.json: the current signing key and
// the previous one after a rotation.
func (e *Emulator) handleJWKS(w http.ResponseWriter, r *http.Request) {
	if !allowMethods(w, r, http.MethodGet, http.MethodHead) {
		return
	}
	b, err := e.keys.jwksJSON()
	if err != nil {
		writeAuthError(w, http.StatusInternalServerError, "server_error", "jwks unavailable", "KOE003")
		return
	}
	w.Header().Set("Content-Type", contentTypeJSON)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

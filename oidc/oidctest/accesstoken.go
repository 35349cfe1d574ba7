package oidctest

// SignAccessToken signs claims as a JWT access token (RFC 9068): header typ at+jwt, with the
// current algorithm, signing key and header hook. It panics on a signing failure (test
// helper).
func (s *Server) SignAccessToken(claims map[string]any) string {
	return s.signTyped("at+jwt", claims)
}

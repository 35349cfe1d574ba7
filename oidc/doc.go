// Package oidc is a generic OpenID Connect relying party for the
// authorization code flow with PKCE: lazy discovery with backoff
// ([Provider]), a JWKS cache that survives provider faults and key rotation
// ([KeySet]), authorization requests, code exchange and refresh, strict ID
// token verification and userinfo ([Client]).
//
// It knows nothing of any particular provider, of Caddy or of sessions.
// Every outbound call has a timeout and a body cap; tokens and secrets are
// never logged.
package oidc

// Package assertion issues short-lived identity assertions: compact JWS
// tokens (JWTs) signed by the gateway that tell an upstream who the request
// is from, and publishes the public keys to verify them as a JWK Set.
//
// An upstream that can be reached by paths other than the gateway verifies
// the assertion instead of trusting plain X-Auth-* headers.
//
// # Keys
//
// Signing keys are ECDSA P-256 (JWS "ES256") derived deterministically from
// the gateway's secrets with HKDF-SHA256 (info "kakaogate/assertion/es256"),
// so every gateway instance sharing the secrets signs with the same key and
// publishes the same key set, and no key material is stored anywhere. The
// first secret signs; the public keys of all secrets are published, so a
// rotation (new secret put first) switches the signing key while assertions
// issued under the old one still verify until they expire. Each key's "kid"
// is the first 16 hex digits of the SHA-256 of its uncompressed public point.
//
// # Token
//
// Header: {"alg":"ES256","typ":"JWT","kid":"<kid>"}. Payload:
//
//	iss     the configured issuer
//	sub     claims["id"] (omitted when there is none)
//	aud     the audience given to Assertion (the request's host), one string
//	iat     issue time, Unix seconds
//	exp     iat + TTL
//	jti     random; identifies the assertion, not the request (assertions are reused)
//	claims  the user's claims as an object of strings, so they can never
//	        collide with the registered names above
//
// A verifier fetches <prefix>/jwks.json, accepts only ES256, and checks the
// signature, iss, aud (its own host) and exp. It should allow a few seconds
// of clock skew, since iat is the gateway's clock.
//
// # Cost
//
// Signing costs tens of microseconds, too much for every request, so a Signer
// keeps a bounded cache of assertions by (session, audience) and returns the
// same token until half its lifetime has passed, as long as the claims are
// unchanged. A cache hit takes a few hundred nanoseconds and does not allocate.
package assertion

// Package oidc is a generic OpenID Connect relying party for the
// authorization code flow with PKCE: lazy discovery with backoff
// ([Provider]), a JWKS cache that survives provider faults and key rotation
// ([KeySet]), authorization requests, code exchange and refresh, strict ID
// token verification and userinfo ([Client]).
//
// It knows nothing of any particular provider, of Caddy or of sessions.
// Every outbound call has a timeout and a body cap; tokens and secrets are
// never logged.
//
// # Signing keys
//
// A [KeySet] owns its refresh rather than delegating it to jwx's jwk.Cache,
// which can neither cap a body, bound a fetch by a context, clamp a
// lifetime from above, nor refetch on demand without adding a periodic fetch
// each time. jwx still parses the keys (jwk.Parse) and verifies signatures.
//
// What is cached: one index of the usable signing keys of the jwks_uri that
// the current discovery document names, and nothing else. A fetch is a GET
// through the provider's client, which follows at most three redirects and
// only to https (or loopback http) URLs, under the provider's timeout, with a
// body of at most 1 MiB that must be a JWK Set holding at least one usable
// signing key.
//
// When it is fetched: the first verification fetches it, and that fetch
// starts one background goroutine per jwks_uri that fetches it again when its
// lifetime ends. The lifetime is the response's Cache-Control max-age (or
// Expires), clamped to [KeySetOptions.MinRefresh, KeySetOptions.MaxRefresh];
// no-store, no-cache or no header count as MinRefresh. When discovery names
// another jwks_uri, the old goroutine stops and the new URL starts its own;
// [Provider.Close] stops it.
//
// An unknown kid: a token whose kid is not in the set (or, without kid, for
// which no key fits) forces one fetch. Concurrent callers share it
// (singleflight), and forced fetches are spaced
// [KeySetOptions.RefetchInterval] apart whatever their outcome; a token
// arriving meanwhile is checked against the set as it is. Until a first good
// set exists, failed attempts back off from 1s, doubling up to
// RefetchInterval.
//
// On failure: a fetch that fails (transport error, non-200, oversize or
// malformed body, no usable key) never replaces the last good set; it is
// logged, reported to [KeySetOptions.OnFetch], and the background refresh
// tries again MinRefresh later.
package oidc

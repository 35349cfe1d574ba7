// Package session holds kakaogate's login sessions: the Session record and its
// compact binary encoding, the Manager that seals each session with its own
// key before handing it to a Store, the two stores (MemoryStore for a single
// machine, RedisStore over any redis.UniversalClient), the Ticket the session
// cookie carries, and the CookieCodec that signs and encrypts cookies.
//
// The session cookie carries only a Ticket: the session id and a random
// per-session key. The store keeps the session encrypted with that key
// (AES-256-GCM, the id as additional data), so neither a store dump nor a
// stolen cookie alone reveals the tokens. A per-user index lets every session
// of a person be ended at once (unlink, admin revocation).
//
// The package knows nothing of Caddy or of the OIDC flows.
package session

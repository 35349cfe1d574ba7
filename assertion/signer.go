package assertion

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/kakaogate/kakaogate/internal/secret"
)

// Limits and defaults of a Signer.
const (
	// DefaultTTL is the lifetime of an assertion when Options.TTL is zero.
	DefaultTTL = 60 * time.Second
	// MaxTTL is the longest lifetime Options.TTL may ask for; assertions are
	// bearer credentials and meant to be short-lived.
	MaxTTL = time.Hour
	// DefaultCacheSize is the number of cached assertions when
	// Options.CacheSize is zero.
	DefaultCacheSize = 10000
)

// ErrNoAudience is returned by Signer.Assertion when the audience is empty:
// an assertion without an audience would be accepted by every upstream.
var ErrNoAudience = errors.New("assertion: empty audience")

// Options configures a Signer.
type Options struct {
	// Issuer is the "iss" of every assertion, for example "kakaogate" or the
	// site's origin. Required.
	Issuer string
	// TTL is the lifetime of an assertion ("exp" - "iat"), rounded up to
	// whole seconds; at least one second and at most MaxTTL. Zero means
	// DefaultTTL.
	TTL time.Duration
	// Now returns the current time; nil means time.Now. Tests inject a clock.
	Now func() time.Time
	// CacheSize bounds the number of cached assertions. Zero means
	// DefaultCacheSize; a negative value disables the cache, so every call
	// signs.
	CacheSize int
}

// Signer issues short-lived identity assertions (JWTs signed with ES256) and
// publishes their public keys. It is safe for concurrent use.
type Signer struct {
	issuer string
	ttl    time.Duration // whole seconds
	now    func() time.Time
	key    *signingKey // derived from the first secret; signs
	header string      // encoded protected header of key, with the trailing '.'
	jwks   []byte
	cache  *cache // nil when disabled
}

// NewSigner returns a Signer whose key is derived from the first of secrets
// and whose key set (JWKS) holds the public keys of all of them, newest
// first. Every secret must be at least secret.MinLen (32) bytes, the minimum
// of the session cookie secrets it is meant to share.
func NewSigner(secrets [][]byte, opts Options) (*Signer, error) {
	if len(secrets) == 0 {
		return nil, errors.New("assertion: no secret")
	}
	if opts.Issuer == "" {
		return nil, errors.New("assertion: issuer is required")
	}
	ttl := opts.TTL
	switch {
	case ttl == 0:
		ttl = DefaultTTL
	case ttl < time.Second:
		return nil, fmt.Errorf("assertion: ttl %v is below one second", ttl)
	case ttl > MaxTTL:
		return nil, fmt.Errorf("assertion: ttl %v exceeds %v; assertions are meant to be short-lived", ttl, MaxTTL)
	}
	ttl = (ttl + time.Second - 1) / time.Second * time.Second
	s := &Signer{issuer: opts.Issuer, ttl: ttl, now: opts.Now}
	if s.now == nil {
		s.now = time.Now
	}
	keys := make([]*signingKey, 0, len(secrets))
	for i, raw := range secrets {
		if len(raw) < secret.MinLen {
			return nil, fmt.Errorf("assertion: secret %d is %d bytes, need at least %d", i+1, len(raw), secret.MinLen)
		}
		k, err := deriveKey(raw)
		if err != nil {
			return nil, fmt.Errorf("assertion: secret %d: %w", i+1, err)
		}
		keys = append(keys, k)
	}
	s.key = keys[0]
	var err error
	if s.header, err = s.key.header(); err != nil {
		return nil, fmt.Errorf("assertion: %w", err)
	}
	if s.jwks, err = marshalJWKS(keys); err != nil {
		return nil, fmt.Errorf("assertion: %w", err)
	}
	switch size := opts.CacheSize; {
	case size == 0:
		s.cache = newCache(DefaultCacheSize)
	case size > 0:
		s.cache = newCache(size)
	}
	return s, nil
}

// Assertion returns a signed assertion of claims for audience (the request's
// host, as the upstream will compare it). Its subject is claims["id"]. The
// same token is returned for the same sessionID, audience and claims until
// half its lifetime has passed; an empty sessionID is never cached. claims
// may be nil and is not retained or modified.
func (s *Signer) Assertion(sessionID, audience string, claims map[string]string) (string, error) {
	if audience == "" {
		return "", ErrNoAudience
	}
	now := s.now()
	key := cacheKey{session: sessionID, audience: audience}
	cached := s.cache != nil && sessionID != ""
	if cached {
		if token, ok := s.cache.get(key, claims, now.UnixNano()); ok {
			return token, nil
		}
	}
	iat := now.Unix()
	token, err := s.sign(audience, claims, iat)
	if err != nil {
		return "", err
	}
	if cached {
		renewAt := time.Unix(iat, 0).Add(s.ttl / 2).UnixNano()
		s.cache.put(key, claims, token, renewAt, now.UnixNano())
	}
	return token, nil
}

// JWKS returns the JSON Web Key Set ({"keys":[…]}) of the public keys of all
// secrets, in the order given, as served at <prefix>/jwks.json (media type
// application/jwk-set+json). It is computed once; the result is a copy.
func (s *Signer) JWKS() []byte { return bytes.Clone(s.jwks) }

// KeyID returns the "kid" of the key that signs new assertions.
func (s *Signer) KeyID() string { return s.key.kid }

// TTL returns the lifetime of an assertion, in whole seconds.
func (s *Signer) TTL() time.Duration { return s.ttl }

// payload is the JWT claims set of an assertion.
type payload struct {
	Issuer   string            `json:"iss"`
	Subject  string            `json:"sub,omitempty"`
	Audience string            `json:"aud"`
	IssuedAt int64             `json:"iat"`
	Expiry   int64             `json:"exp"`
	ID       string            `json:"jti"`
	Claims   map[string]string `json:"claims"`
}

// noClaims makes an assertion without claims carry "claims":{}, not null.
var noClaims = map[string]string{}

// sign returns a new compact JWS of the assertion issued at iat.
func (s *Signer) sign(audience string, claims map[string]string, iat int64) (string, error) {
	if claims == nil {
		claims = noClaims
	}
	body, err := json.Marshal(payload{
		Issuer:   s.issuer,
		Subject:  claims["id"],
		Audience: audience,
		IssuedAt: iat,
		Expiry:   iat + int64(s.ttl/time.Second),
		ID:       rand.Text(),
		Claims:   claims,
	})
	if err != nil {
		return "", fmt.Errorf("assertion: marshal payload: %w", err)
	}
	enc := base64.RawURLEncoding
	buf := make([]byte, 0, len(s.header)+enc.EncodedLen(len(body))+1+enc.EncodedLen(2*scalarLen))
	buf = append(buf, s.header...)
	buf = enc.AppendEncode(buf, body)
	digest := sha256.Sum256(buf)
	r, sv, err := ecdsa.Sign(rand.Reader, s.key.priv, digest[:])
	if err != nil {
		return "", fmt.Errorf("assertion: sign: %w", err)
	}
	// JWS ES256 signatures are R || S, each a fixed 32 bytes (RFC 7518 §3.4).
	var sig [2 * scalarLen]byte
	r.FillBytes(sig[:scalarLen])
	sv.FillBytes(sig[scalarLen:])
	buf = append(buf, '.')
	buf = enc.AppendEncode(buf, sig[:])
	return string(buf), nil
}

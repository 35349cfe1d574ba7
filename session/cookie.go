package session

import (
	"bytes"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gorilla/securecookie"

	kgsecret "github.com/kakaogate/kakaogate/internal/secret"
)

// Cookie codec limits.
const (
	// MinSecretLen is the shortest cookie secret NewCookieCodec accepts.
	MinSecretLen = kgsecret.MinLen
	// MaxCookieLen is the longest encoded cookie value Encode produces and
	// Decode looks at.
	MaxCookieLen = 4096
	hashKeyLen   = 64 // HMAC-SHA256 key
	blockKeyLen  = 32 // AES-256 key
)

// CookieCodec signs (HMAC-SHA256) and encrypts (AES-256) cookie values with
// securecookie. Its keys are derived with HKDF-SHA256 from each secret and
// the purpose, so codecs for different purposes never accept each other's
// cookies. The first secret encodes; every secret decodes (key rotation). A
// value's age is signed with it, and values older than maxAge are rejected.
// It is safe for concurrent use.
type CookieCodec struct {
	codecs []securecookie.Codec // one per secret, built once: the first encodes, all decode
	maxAge time.Duration
}

// NewCookieCodec returns a codec for purpose (for example "session" or
// "state"; non-empty, without "/") whose values expire after maxAge (at
// least one second; rounded up to whole seconds). Every secret must be at
// least MinSecretLen bytes; put the newest first.
func NewCookieCodec(secrets [][]byte, purpose string, maxAge time.Duration) (*CookieCodec, error) {
	if len(secrets) == 0 {
		return nil, errors.New("session: cookie codec: no secret")
	}
	if purpose == "" || strings.Contains(purpose, "/") {
		return nil, fmt.Errorf("session: cookie codec: purpose %q must be non-empty and without '/'", purpose)
	}
	if maxAge < time.Second {
		return nil, fmt.Errorf("session: cookie codec %q: max age %v is below one second", purpose, maxAge)
	}
	secs := int((maxAge + time.Second - 1) / time.Second)
	c := &CookieCodec{maxAge: time.Duration(secs) * time.Second}
	for i, secret := range secrets {
		if len(secret) < MinSecretLen {
			return nil, fmt.Errorf("session: cookie codec %q: secret %d is %d bytes, need at least %d", purpose, i+1, len(secret), MinSecretLen)
		}
		hashKey, err := hkdf.Key(sha256.New, secret, nil, "kakaogate/"+purpose+"/hash", hashKeyLen)
		if err != nil {
			return nil, fmt.Errorf("session: cookie codec %q: derive hash key: %w", purpose, err)
		}
		blockKey, err := hkdf.Key(sha256.New, secret, nil, "kakaogate/"+purpose+"/block", blockKeyLen)
		if err != nil {
			return nil, fmt.Errorf("session: cookie codec %q: derive block key: %w", purpose, err)
		}
		sc := securecookie.New(hashKey, blockKey).
			SetSerializer(securecookie.NopEncoder{}).
			MaxAge(secs).
			MaxLength(MaxCookieLen)
		c.codecs = append(c.codecs, sc)
	}
	return c, nil
}

// MaxAge returns the age after which Decode rejects a value: the maxAge given
// to NewCookieCodec rounded up to whole seconds. Use it as the cookie's Max-Age.
func (c *CookieCodec) MaxAge() time.Duration { return c.maxAge }

// Encode signs and encrypts value for the cookie called name with the first
// secret. value must not be empty and is not modified. The result is at most
// MaxCookieLen bytes, else an error.
func (c *CookieCodec) Encode(name string, value []byte) (string, error) {
	if len(value) == 0 {
		// securecookie cannot decrypt an empty value; refuse to write one.
		return "", fmt.Errorf("session: encode cookie %q: empty value", name)
	}
	// securecookie encrypts in place: hand it a copy.
	s, err := c.codecs[0].Encode(name, bytes.Clone(value))
	if err != nil {
		return "", fmt.Errorf("session: encode cookie %q: %w", name, err)
	}
	return s, nil
}

// Decode verifies and decrypts a value Encode produced for the cookie called
// name, trying every secret in order (securecookie.DecodeMulti). It rejects
// values longer than MaxCookieLen before any work, values signed for another
// name or purpose, tampered values and values older than MaxAge.
func (c *CookieCodec) Decode(name, value string) ([]byte, error) {
	if len(value) > MaxCookieLen {
		return nil, fmt.Errorf("session: decode cookie %q: value of %d bytes exceeds %d", name, len(value), MaxCookieLen)
	}
	var dst []byte
	if err := securecookie.DecodeMulti(name, value, &dst, c.codecs...); err != nil {
		return nil, fmt.Errorf("session: decode cookie %q: %w", name, err)
	}
	return dst, nil
}

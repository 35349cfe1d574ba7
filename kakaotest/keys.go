package kakaotest

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
)

// keyring holds the ID-token signing keys: the current one signs, the
// previous one (after a rotation) is still published, as Kakao's JWKS lists
// two keys.
type keyring struct {
	mu       sync.RWMutex
	current  jwk.Key // private
	previous jwk.Key // private; nil before the first rotation
	// signer is current as a crypto/rsa key with its CRT values precomputed: signing with
	// the jwk.Key made jwx export a fresh rsa.PrivateKey for every token, which crypto/rsa
	// then validated and precomputed again (a tenth of the emulator's CPU under load).
	signer *rsa.PrivateKey
}

// newKeyring generates the first signing key.
func newKeyring() (*keyring, error) {
	k, raw, err := newSigningKey()
	if err != nil {
		return nil, err
	}
	return &keyring{current: k, signer: raw}, nil
}

// newSigningKey generates an RSA 2048 RS256 key with a 30-hex-char kid, the
// shape of Kakao's keys.
func newSigningKey() (jwk.Key, *rsa.PrivateKey, error) {
	raw, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, nil, fmt.Errorf("kakaotest: generating rsa key: %w", err)
	}
	raw.Precompute()
	key, err := jwk.FromRaw(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("kakaotest: wrapping rsa key: %w", err)
	}
	kid := make([]byte, 15)
	if _, err := rand.Read(kid); err != nil {
		return nil, nil, fmt.Errorf("kakaotest: generating kid: %w", err)
	}
	for name, value := range map[string]any{
		jwk.KeyIDKey:     hex.EncodeToString(kid),
		jwk.AlgorithmKey: jwa.RS256,
		jwk.KeyUsageKey:  "sig",
	} {
		if err := key.Set(name, value); err != nil {
			return nil, nil, fmt.Errorf("kakaotest: setting %s: %w", name, err)
		}
	}
	return key, raw, nil
}

// rotate makes a fresh key current, keeps the old current one as previous
// and drops the older one: tokens signed two rotations ago no longer verify.
func (kr *keyring) rotate() error {
	k, raw, err := newSigningKey()
	if err != nil {
		return err
	}
	kr.mu.Lock()
	defer kr.mu.Unlock()
	kr.previous, kr.current, kr.signer = kr.current, k, raw
	return nil
}

// currentKID returns the kid of the signing key.
func (kr *keyring) currentKID() string {
	kr.mu.RLock()
	defer kr.mu.RUnlock()
	return kr.current.KeyID()
}

// jwksJSON returns the public key set as served at /.well-known/jwks.json,
// current key first.
func (kr *keyring) jwksJSON() ([]byte, error) {
	kr.mu.RLock()
	keys := []jwk.Key{kr.current}
	if kr.previous != nil {
		keys = append(keys, kr.previous)
	}
	kr.mu.RUnlock()
	set := jwk.NewSet()
	for _, k := range keys {
		pub, err := k.PublicKey()
		if err != nil {
			return nil, fmt.Errorf("kakaotest: public key: %w", err)
		}
		if err := set.AddKey(pub); err != nil {
			return nil, fmt.Errorf("kakaotest: building jwks: %w", err)
		}
	}
	b, err := json.Marshal(set)
	if err != nil {
		return nil, fmt.Errorf("kakaotest: encoding jwks: %w", err)
	}
	return b, nil
}

// sign signs the claims as an RS256 JWT with the current key. The payload
// is encoded as given (aud a plain string and times in Unix seconds, as in
// Kakao's tokens); the header carries alg, kid and typ JWT.
func (kr *keyring) sign(claims map[string]any) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("kakaotest: encoding id token claims: %w", err)
	}
	kr.mu.RLock()
	kid, signer := kr.current.KeyID(), kr.signer
	kr.mu.RUnlock()
	hdr := jws.NewHeaders()
	if err := hdr.Set(jws.TypeKey, "JWT"); err != nil {
		return "", fmt.Errorf("kakaotest: setting typ: %w", err)
	}
	if err := hdr.Set(jws.KeyIDKey, kid); err != nil {
		return "", fmt.Errorf("kakaotest: setting kid: %w", err)
	}
	signed, err := jws.Sign(payload, jws.WithKey(jwa.RS256, signer, jws.WithProtectedHeaders(hdr)))
	if err != nil {
		return "", fmt.Errorf("kakaotest: signing id token: %w", err)
	}
	return string(signed), nil
}

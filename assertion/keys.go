package assertion

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
)

const (
	// hkdfInfo separates the assertion key from every other key derived from
	// the same secrets (the cookie codecs use "kakaogate/<purpose>/hash" and
	// "kakaogate/<purpose>/block").
	hkdfInfo = "kakaogate/assertion/es256"
	// scalarLen is the length of a P-256 private scalar.
	scalarLen = 32
	// maxCandidates is how many scalars are drawn from the HKDF stream before
	// giving up. A candidate is rejected with probability about 2^-32, so
	// eight all failing is as likely as guessing the key.
	maxCandidates = 8
	// kidLen is the number of hex digits of the public key hash used as kid.
	kidLen = 16
)

// signingKey is one derived key and its published form.
type signingKey struct {
	priv *ecdsa.PrivateKey
	kid  string
	jwk  publicJWK
}

// publicJWK is the JSON Web Key (RFC 7517, RFC 7518 §6.2) of a P-256 public key.
type publicJWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	Kid string `json:"kid"`
}

// deriveKey derives the P-256 signing key of secret.
func deriveKey(secret []byte) (*signingKey, error) {
	stream, err := hkdf.Key(sha256.New, secret, nil, hkdfInfo, scalarLen*maxCandidates)
	if err != nil {
		return nil, fmt.Errorf("hkdf: %w", err)
	}
	priv, err := keyFromStream(stream)
	if err != nil {
		return nil, err
	}
	return newSigningKey(priv)
}

// keyFromStream returns the key whose scalar is the first scalarLen-byte
// chunk of stream that is a valid P-256 private key (non-zero and below the
// group order): rejection sampling, as in FIPS 186-5 A.2.2, with the chunk
// index as the counter. The first chunk is what HKDF yields for a 32-byte key, so in practice the
// key is HKDF(secret, info)[:32].
func keyFromStream(stream []byte) (*ecdsa.PrivateKey, error) {
	for off := 0; off+scalarLen <= len(stream); off += scalarLen {
		priv, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), stream[off:off+scalarLen])
		if err == nil {
			return priv, nil
		}
	}
	return nil, errors.New("no valid P-256 scalar in the derived key stream")
}

// newSigningKey computes the kid and JWK of priv.
func newSigningKey(priv *ecdsa.PrivateKey) (*signingKey, error) {
	point, err := priv.PublicKey.Bytes() // 0x04 || X || Y
	if err != nil {
		return nil, fmt.Errorf("public key: %w", err)
	}
	if len(point) != 1+2*scalarLen {
		return nil, fmt.Errorf("public key: unexpected point length %d", len(point))
	}
	sum := sha256.Sum256(point)
	kid := hex.EncodeToString(sum[:])[:kidLen]
	enc := base64.RawURLEncoding
	return &signingKey{
		priv: priv,
		kid:  kid,
		jwk: publicJWK{
			Kty: "EC",
			Crv: "P-256",
			X:   enc.EncodeToString(point[1 : 1+scalarLen]),
			Y:   enc.EncodeToString(point[1+scalarLen:]),
			Use: "sig",
			Alg: "ES256",
			Kid: kid,
		},
	}, nil
}

// marshalJWKS returns the JWK Set of keys, in order, without duplicate kids
// (the same secret configured twice).
func marshalJWKS(keys []*signingKey) ([]byte, error) {
	set := struct {
		Keys []publicJWK `json:"keys"`
	}{Keys: make([]publicJWK, 0, len(keys))}
	seen := make(map[string]bool, len(keys))
	for _, k := range keys {
		if seen[k.kid] {
			continue
		}
		seen[k.kid] = true
		set.Keys = append(set.Keys, k.jwk)
	}
	b, err := json.Marshal(set)
	if err != nil {
		return nil, fmt.Errorf("marshal jwks: %w", err)
	}
	return b, nil
}

// header returns the encoded JWS protected header of tokens signed with k,
// followed by the '.' that separates it from the payload.
func (k *signingKey) header() (string, error) {
	h, err := json.Marshal(struct {
		Alg string `json:"alg"`
		Typ string `json:"typ"`
		Kid string `json:"kid"`
	}{"ES256", "JWT", k.kid})
	if err != nil {
		return "", fmt.Errorf("marshal header: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(h) + ".", nil
}

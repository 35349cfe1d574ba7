package oidctest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
)

// Key is a signing key of the fake provider and how it appears in its JWKS.
type Key struct {
	// ID is the JWK kid and the token header's kid; "" omits both.
	ID string
	// Alg is the JWK alg member; "" omits it.
	Alg string
	// Use is the JWK use member ("sig", "enc"); "" omits it.
	Use string
	// Private signs tokens: *rsa.PrivateKey, *ecdsa.PrivateKey or
	// ed25519.PrivateKey.
	Private crypto.Signer
}

// NewRSAKey returns a fresh 2048-bit RSA key with kid, alg RS256, use sig.
// It panics if the system's random source fails (test helper).
func NewRSAKey(kid string) *Key {
	pk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(fmt.Sprintf("oidctest: generating RSA key: %v", err))
	}
	return &Key{ID: kid, Alg: "RS256", Use: "sig", Private: pk}
}

// NewECKey returns a fresh P-256 key with kid, alg ES256, use sig.
func NewECKey(kid string) *Key {
	pk, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(fmt.Sprintf("oidctest: generating EC key: %v", err))
	}
	return &Key{ID: kid, Alg: "ES256", Use: "sig", Private: pk}
}

// NewEd25519Key returns a fresh Ed25519 key with kid, alg EdDSA, use sig.
func NewEd25519Key(kid string) *Key {
	_, pk, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		panic(fmt.Sprintf("oidctest: generating Ed25519 key: %v", err))
	}
	return &Key{ID: kid, Alg: "EdDSA", Use: "sig", Private: pk}
}

// With returns a copy of k with another kid, alg and use (same key
// material). Handy for "same key, no kid" or "same key, use=enc" cases.
func (k *Key) With(kid, alg, use string) *Key {
	return &Key{ID: kid, Alg: alg, Use: use, Private: k.Private}
}

// JWK returns the public JWK of k as a JSON object.
func (k *Key) JWK() map[string]any {
	m := map[string]any{}
	switch pub := k.Private.Public().(type) {
	case *rsa.PublicKey:
		m["kty"] = "RSA"
		m["n"] = b64(pub.N.Bytes())
		m["e"] = b64(big.NewInt(int64(pub.E)).Bytes())
	case *ecdsa.PublicKey:
		m["kty"] = "EC"
		m["crv"] = pub.Curve.Params().Name
		// Bytes is the uncompressed point 0x04 || X || Y.
		point, err := pub.Bytes()
		if err != nil {
			break
		}
		size := (len(point) - 1) / 2
		m["x"] = b64(point[1 : 1+size])
		m["y"] = b64(point[1+size:])
	case ed25519.PublicKey:
		m["kty"] = "OKP"
		m["crv"] = "Ed25519"
		m["x"] = b64(pub)
	}
	if k.ID != "" {
		m["kid"] = k.ID
	}
	if k.Alg != "" {
		m["alg"] = k.Alg
	}
	if k.Use != "" {
		m["use"] = k.Use
	}
	return m
}

// PublicKeyPEM returns the PEM encoding of k's public key: the classic HMAC
// secret of an RS256/HS256 confusion attack.
func (k *Key) PublicKeyPEM() []byte {
	der, err := x509.MarshalPKIXPublicKey(k.Private.Public())
	if err != nil {
		panic(fmt.Sprintf("oidctest: encoding public key: %v", err))
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// JWKS renders keys as a JWK Set document.
func JWKS(keys ...*Key) []byte {
	list := make([]map[string]any, 0, len(keys))
	for _, k := range keys {
		list = append(list, k.JWK())
	}
	b, _ := json.Marshal(map[string]any{"keys": list})
	return b
}

// Sign builds a compact JWS over claims with header (both marshalled as
// given; set "alg" yourself) signed by alg using key, or hmacKey for HS*.
// alg "none" yields an empty signature. Unknown algs give an error.
func Sign(alg string, key *Key, hmacKey []byte, header, claims map[string]any) (string, error) {
	hb, err := json.Marshal(header)
	if err != nil {
		return "", fmt.Errorf("oidctest: header: %w", err)
	}
	cb, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("oidctest: claims: %w", err)
	}
	input := b64(hb) + "." + b64(cb)
	sig, err := signature(alg, key, hmacKey, []byte(input))
	if err != nil {
		return "", err
	}
	return input + "." + b64(sig), nil
}

// signature signs input with alg.
func signature(alg string, key *Key, hmacKey []byte, input []byte) ([]byte, error) {
	h256 := sha256.Sum256(input)
	switch alg {
	case "none":
		return nil, nil
	case "HS256":
		m := hmac.New(sha256.New, hmacKey)
		m.Write(input)
		return m.Sum(nil), nil
	case "HS512":
		m := hmac.New(sha512.New, hmacKey)
		m.Write(input)
		return m.Sum(nil), nil
	}
	if key == nil {
		return nil, fmt.Errorf("oidctest: alg %s needs a key", alg)
	}
	switch pk := key.Private.(type) {
	case *rsa.PrivateKey:
		switch alg {
		case "RS256":
			return rsa.SignPKCS1v15(rand.Reader, pk, crypto.SHA256, h256[:])
		case "PS256":
			return rsa.SignPSS(rand.Reader, pk, crypto.SHA256, h256[:], nil)
		}
	case *ecdsa.PrivateKey:
		if alg == "ES256" {
			r, s, err := ecdsa.Sign(rand.Reader, pk, h256[:])
			if err != nil {
				return nil, err
			}
			out := make([]byte, 64)
			r.FillBytes(out[:32])
			s.FillBytes(out[32:])
			return out, nil
		}
	case ed25519.PrivateKey:
		if alg == "EdDSA" {
			return ed25519.Sign(pk, input), nil
		}
	}
	return nil, fmt.Errorf("oidctest: cannot sign %s with %T", alg, key.Private)
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

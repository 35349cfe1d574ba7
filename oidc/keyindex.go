package oidc

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"errors"
	"fmt"
	"slices"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
)

const (
	// maxKeys bounds how many keys of one set are indexed.
	maxKeys = 64
	// minRSABits is the smallest RSA modulus accepted.
	minRSABits = 2048
)

// Key families: what a key can verify, independent of its alg member.
const (
	famRSA     = "RSA"
	famP256    = "EC P-256"
	famP384    = "EC P-384"
	famP521    = "EC P-521"
	famEd25519 = "OKP Ed25519"
)

// algFamily maps every supported (asymmetric) JWS algorithm to the key
// family that can verify it. none, HS* and anything else are absent.
var algFamily = map[string]string{
	"RS256": famRSA, "RS384": famRSA, "RS512": famRSA,
	"PS256": famRSA, "PS384": famRSA, "PS512": famRSA,
	"ES256": famP256, "ES384": famP384, "ES512": famP521,
	"EdDSA": famEd25519,
}

// verificationKey is one usable public signing key.
type verificationKey struct {
	kid    string
	alg    string // the JWK's alg member; "" when absent
	family string
	pub    any // *rsa.PublicKey, *ecdsa.PublicKey or ed25519.PublicKey
}

// fits reports whether k may verify a signature made with alg.
func (k *verificationKey) fits(alg string) bool {
	fam, ok := algFamily[alg]
	return ok && fam == k.family && (k.alg == "" || k.alg == alg)
}

// verify checks sig over input with jws's verifier for alg.
func (k *verificationKey) verify(alg string, input, sig []byte) error {
	v, err := jws.NewVerifier(jwa.SignatureAlgorithm(alg))
	if err != nil {
		return err
	}
	return v.Verify(input, sig, k.pub)
}

// keyIndex is an immutable, validated view of one fetched JWK Set.
type keyIndex struct {
	url  string
	keys []verificationKey
	// unusable holds the kids of keys that were refused (enc, symmetric,
	// weak...): such a kid is known, so it causes no refetch.
	unusable map[string]bool
}

// candidates returns the keys that may verify a token with this kid and
// alg, and whether any key (usable or not) carries kid. Without a kid,
// every key fitting alg is a candidate.
func (ix *keyIndex) candidates(kid, alg string) ([]verificationKey, bool) {
	var out []verificationKey
	known := kid != "" && ix.unusable[kid]
	for i := range ix.keys {
		k := &ix.keys[i]
		if kid != "" {
			if k.kid != kid {
				continue
			}
			known = true
		}
		if k.fits(alg) {
			out = append(out, *k)
		}
	}
	return out, known
}

// buildIndex keeps the usable signing keys of set. A set without any is an
// error, so that it never replaces a good one.
func buildIndex(url string, set jwk.Set) (*keyIndex, error) {
	ix := &keyIndex{url: url}
	for i := 0; i < set.Len() && len(ix.keys) < maxKeys; i++ {
		key, ok := set.Key(i)
		if !ok {
			continue
		}
		if vk, ok := usableKey(key); ok {
			ix.keys = append(ix.keys, vk)
		} else if kid := key.KeyID(); kid != "" && len(ix.unusable) < maxKeys {
			if ix.unusable == nil {
				ix.unusable = map[string]bool{}
			}
			ix.unusable[kid] = true
		}
	}
	if len(ix.keys) == 0 {
		return nil, fmt.Errorf("JWK set at %s: %w",
			url, errors.New("no usable signing key (empty set, or only enc/symmetric/weak keys)"))
	}
	return ix, nil
}

// usableKey converts key to a verificationKey, refusing keys meant for
// encryption, keys whose key_ops exclude verify, symmetric keys, unknown
// curves and short RSA moduli.
func usableKey(key jwk.Key) (verificationKey, bool) {
	if u := key.KeyUsage(); u != "" && u != "sig" {
		return verificationKey{}, false
	}
	if ops := key.KeyOps(); len(ops) > 0 && !slices.Contains(ops, jwk.KeyOpVerify) {
		return verificationKey{}, false
	}
	vk := verificationKey{kid: key.KeyID()}
	if a := key.Algorithm(); a != nil {
		vk.alg = a.String()
	}
	if key.KeyType() == jwa.OctetSeq {
		return verificationKey{}, false
	}
	raw, err := jwk.PublicRawKeyOf(key)
	if err != nil {
		return verificationKey{}, false
	}
	switch pub := raw.(type) {
	case *rsa.PublicKey:
		if pub.N == nil || pub.N.BitLen() < minRSABits {
			return verificationKey{}, false
		}
		vk.family = famRSA
	case *ecdsa.PublicKey:
		switch pub.Curve {
		case elliptic.P256():
			vk.family = famP256
		case elliptic.P384():
			vk.family = famP384
		case elliptic.P521():
			vk.family = famP521
		default:
			return verificationKey{}, false
		}
	case ed25519.PublicKey:
		vk.family = famEd25519
	default:
		return verificationKey{}, false
	}
	vk.pub = raw
	return vk, true
}

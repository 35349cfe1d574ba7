package oidc

import (
	"crypto/rand"
	"encoding/base64"
)

// randomBytes is the entropy of RandomToken: 256 bits.
const randomBytes = 32

// RandomToken returns 256 bits from crypto/rand, base64url-encoded without
// padding (43 characters). Use it for state and nonce values.
func RandomToken() string {
	b := make([]byte, randomBytes)
	// crypto/rand.Read never returns an error (it crashes the program
	// irrecoverably instead), as documented since Go 1.24.
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

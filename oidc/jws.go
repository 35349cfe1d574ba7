package oidc

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// b64 is the strict unpadded base64url decoding JWS requires (RFC 7515
// section 2): no padding, no standard-alphabet characters, no stray bits.
var b64 = base64.RawURLEncoding.Strict()

// jwsHeader is the part of a JOSE header the verifier looks at.
type jwsHeader struct {
	Alg  string          `json:"alg"`
	Kid  string          `json:"kid"`
	Typ  string          `json:"typ"`
	Crit json.RawMessage `json:"crit"`
	B64  json.RawMessage `json:"b64"`
}

// VerifySignature checks the compact JWS raw against the key set and
// returns its payload, unparsed. The header's alg must be one of algs
// (each an asymmetric algorithm: RS*, PS*, ES* or EdDSA); the key is chosen by kid among the
// keys of the discovered jwks_uri, never from the token itself. It checks
// no claims: use [Client.Verify] for ID tokens. An unknown kid spends the
// refetch budget of ID tokens.
func (k *KeySet) VerifySignature(ctx context.Context, raw string, algs []string) ([]byte, error) {
	if err := checkAlgs(algs); err != nil {
		return nil, err
	}
	_, payload, err := k.verifyJWS(ctx, raw, algs, idTokenRefetch)
	return payload, err
}

// checkAlgs rejects an empty list and any algorithm that is not asymmetric: "none" and the
// HMAC algorithms (HS256, ...) are never accepted; with a public key as the HMAC secret they
// would let anyone forge tokens.
func checkAlgs(algs []string) error {
	if len(algs) == 0 {
		return fmt.Errorf("oidc: no signing algorithm allowed")
	}
	for _, a := range algs {
		if _, ok := algFamily[a]; !ok {
			return fmt.Errorf("oidc: signing algorithm %q is not supported (asymmetric algorithms only)", a)
		}
	}
	return nil
}

// verifyJWS parses raw as a compact JWS (exactly three segments, at most
// 16 KiB), checks its header, verifies its signature and returns the header
// and the decoded payload. An unknown kid spends budget's refetch.
func (k *KeySet) verifyJWS(ctx context.Context, raw string, algs []string, budget refetchBudget) (jwsHeader, []byte, error) {
	var hdr jwsHeader
	if len(raw) == 0 {
		return hdr, nil, invalidf("empty token")
	}
	if len(raw) > maxIDTokenSize {
		return hdr, nil, invalidf("token is %d bytes, more than %d", len(raw), maxIDTokenSize)
	}
	if strings.ContainsAny(raw, "\r\n") {
		// Go's base64 decoders skip line breaks even in strict mode: without this a token
		// with a line break in its signature would verify as if it had none.
		return hdr, nil, invalidf("token contains a line break")
	}
	if strings.Count(raw, ".") != 2 {
		return hdr, nil, invalidf("not a compact JWS (want 3 segments, got %d)", strings.Count(raw, ".")+1)
	}
	h64, rest, _ := strings.Cut(raw, ".")
	p64, s64, _ := strings.Cut(rest, ".")
	if h64 == "" || p64 == "" || s64 == "" {
		return hdr, nil, invalidf("empty JWS segment (unsigned tokens are never accepted)")
	}
	hb, err := b64.DecodeString(h64)
	if err != nil {
		return hdr, nil, invalidCause(err, "decoding header")
	}
	if len(hb) == 0 || hb[0] != '{' {
		return hdr, nil, invalidf("header is not a JSON object")
	}
	if err := json.Unmarshal(hb, &hdr); err != nil {
		return hdr, nil, invalidCause(err, "decoding header")
	}
	if err := checkHeader(&hdr, algs); err != nil {
		return hdr, nil, err
	}
	sig, err := b64.DecodeString(s64)
	if err != nil {
		return hdr, nil, invalidCause(err, "decoding signature")
	}
	input := raw[:len(h64)+1+len(p64)]
	if err := k.verify(ctx, hdr.Kid, hdr.Alg, []byte(input), sig, budget); err != nil {
		return hdr, nil, err
	}
	payload, err := b64.DecodeString(p64)
	if err != nil {
		return hdr, nil, invalidCause(err, "decoding payload")
	}
	return hdr, payload, nil
}

// checkHeader applies the header rules: alg allowed, no crit (no extension
// is understood), b64 absent or true (RFC 7797).
func checkHeader(hdr *jwsHeader, algs []string) error {
	if !slices.Contains(algs, hdr.Alg) {
		return invalidf("alg %.32q is not allowed (allowed: %s)", hdr.Alg, strings.Join(algs, ", "))
	}
	if hdr.Crit != nil {
		return invalidf("crit header present; no extension is supported")
	}
	if hdr.B64 != nil && string(hdr.B64) != "true" {
		return invalidf("unencoded payload (b64) is not supported")
	}
	return nil
}

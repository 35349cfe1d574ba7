package assertion

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/hex"
	"strings"
	"testing"
)

// TestDerivationIsStable pins the key derived from a known secret. The values
// were cross-checked with Python's cryptography package (HKDF-SHA256 with
// info "kakaogate/assertion/es256", 32 bytes, as a P-256 scalar). If this
// test fails, instances of different versions would publish different keys
// for the same secret and reject each other's assertions during an upgrade.
func TestDerivationIsStable(t *testing.T) {
	k, err := deriveKey(fillSecret('a'))
	if err != nil {
		t.Fatal(err)
	}
	want := publicJWK{
		Kty: "EC", Crv: "P-256", Use: "sig", Alg: "ES256",
		X:   "c7dBg2ALXwRI9muJyfu8ebTdLjyX76kwjI_kYX9GZEI",
		Y:   "aJlRTIYNxQmLvmx2FvX-0C7TBhOn0n5Rs9uoKrv09RI",
		Kid: "2fabfeeca86bf825",
	}
	if k.jwk != want || k.kid != want.Kid {
		t.Errorf("derived %+v (kid %s), want %+v", k.jwk, k.kid, want)
	}
}

func TestKeyFromStreamSkipsInvalidScalars(t *testing.T) {
	// n is the order of P-256; a scalar must be in [1, n-1].
	n, _ := hex.DecodeString("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551")
	nMinus1 := bytes.Clone(n)
	nMinus1[31]--
	one := make([]byte, 32)
	one[31] = 1
	zero := make([]byte, 32)
	ones := bytes.Repeat([]byte{0xff}, 32)
	tests := []struct {
		name   string
		stream [][]byte
		want   []byte // scalar chosen; nil means an error
	}{
		{"the first valid chunk is used", [][]byte{one, nMinus1}, one},
		{"the largest scalar is valid", [][]byte{nMinus1}, nMinus1},
		{"zero is skipped", [][]byte{zero, one}, one},
		{"the order itself is skipped", [][]byte{n, nMinus1}, nMinus1},
		{"a value above the order is skipped", [][]byte{ones, zero, one}, one},
		{"no valid chunk is an error", [][]byte{zero, n, ones}, nil},
		{"a short tail is ignored", [][]byte{zero, one[:31]}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			priv, err := keyFromStream(bytes.Join(tt.stream, nil))
			if tt.want == nil {
				if err == nil {
					t.Fatal("got a key, want an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, err := priv.Bytes()
			if err != nil || !bytes.Equal(got, tt.want) {
				t.Errorf("scalar %x (%v), want %x", got, err, tt.want)
			}
		})
	}
}

func TestKidIsTheHashOfThePublicPoint(t *testing.T) {
	priv, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), bytes.Repeat([]byte{1}, 32))
	if err != nil {
		t.Fatal(err)
	}
	k, err := newSigningKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	other, err := deriveKey(fillSecret('b'))
	if err != nil {
		t.Fatal(err)
	}
	if len(k.kid) != kidLen || strings.Trim(k.kid, "0123456789abcdef") != "" || k.kid == other.kid {
		t.Errorf("kid %q: want %d lowercase hex digits, distinct per key", k.kid, kidLen)
	}
}

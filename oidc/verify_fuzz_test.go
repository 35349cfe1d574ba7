package oidc

import (
	"bytes"
	"crypto"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// FuzzVerifyMutatedIDToken edits a genuine ID token (replace del bytes at position at with
// insert; at and del are clamped to the token) and verifies the result. Verify must never
// panic, every error must wrap ErrInvalidIDToken, and it must accept the genuine token and
// nothing else: no re-encoding, truncation, extension or splice of it. A del of 65535 with at
// 0 replaces the whole token, so arbitrary strings are covered too. Seeds: testdata/fuzz.
func FuzzVerifyMutatedIDToken(f *testing.F) {
	e := newEnv(f)
	genuine := e.srv.IssueIDToken(e.nonce)
	if _, err := e.c.Verify(e.ctx, genuine, VerifyOptions{Nonce: e.nonce}); err != nil {
		f.Fatalf("the genuine token does not verify: %v", err)
	}
	f.Fuzz(func(t *testing.T, at, del uint16, insert string) {
		i := min(int(at), len(genuine))
		j := min(i+int(del), len(genuine))
		tok := genuine[:i] + insert + genuine[j:]
		_, err := e.c.Verify(e.ctx, tok, VerifyOptions{Nonce: e.nonce})
		switch {
		case tok == genuine && err != nil:
			t.Fatalf("the genuine token was refused: %v", err)
		case tok != genuine && err == nil:
			t.Fatalf("an edited token was accepted: %.300q", tok)
		case err != nil && !errors.Is(err, ErrInvalidIDToken):
			t.Fatalf("error %v does not wrap ErrInvalidIDToken", err)
		}
	})
}

// Signers of FuzzVerifyIDToken.
const (
	signProviderKey   = iota // RS256 with the provider's key: the claims decide
	signAttackerKey          // RS256 with another RSA key under the provider's kid
	signHMACPublicKey        // HS256 keyed with the provider's public key (alg confusion)
	signRawBytes             // the fuzzer's own bytes as the signature
	signers
)

// FuzzVerifyIDToken verifies tokens built from an arbitrary header and payload, signed by the
// provider's key, another key, HMAC with the provider's public key, or with arbitrary bytes.
// Verify must never panic and must accept only tokens signed by the provider's key whose
// claims pass an independent check: iss the issuer, aud the client alone (as a string or
// array), azp absent or the client, a non-empty sub, exp not past, iat not future, the nonce.
//
// Placeholders make valid tokens reachable: {ISS}, {AUD}, {NONCE}, {KID}, {NOW} (iat) and
// {EXP} (now + 10 minutes). Seeds: testdata/fuzz.
func FuzzVerifyIDToken(f *testing.F) {
	good := `{"iss":"{ISS}","aud":"{AUD}","sub":"user-1","iat":{NOW},"exp":{EXP},"nonce":"{NONCE}"}`
	hdr := `{"alg":"RS256","kid":"{KID}","typ":"JWT"}`
	e := newEnv(f)
	provider, attacker := rsaKey1(), rsaKey3()
	now := e.clock.Now()
	expand := strings.NewReplacer("{ISS}", e.srv.Issuer, "{AUD}", e.c.ClientID, "{NONCE}", e.nonce,
		"{KID}", provider.ID, "{NOW}", strconv.FormatInt(now.Unix(), 10),
		"{EXP}", strconv.FormatInt(now.Add(10*time.Minute).Unix(), 10)).Replace
	b64 := base64.RawURLEncoding.EncodeToString
	f.Fuzz(func(t *testing.T, header, payload string, signer uint8, sig []byte) {
		signer %= signers
		liveness := header == hdr && payload == good && signer == signProviderKey
		header, payload = expand(header), expand(payload)
		input := b64([]byte(header)) + "." + b64([]byte(payload))
		digest := sha256.Sum256([]byte(input))
		var err error
		switch signer {
		case signProviderKey:
			sig, err = rsa.SignPKCS1v15(nil, provider.Private.(*rsa.PrivateKey), crypto.SHA256, digest[:])
		case signAttackerKey:
			sig, err = rsa.SignPKCS1v15(nil, attacker.Private.(*rsa.PrivateKey), crypto.SHA256, digest[:])
		case signHMACPublicKey:
			m := hmac.New(sha256.New, provider.PublicKeyPEM())
			m.Write([]byte(input))
			sig = m.Sum(nil)
		}
		if err != nil {
			t.Fatal(err)
		}
		tok, verr := e.c.Verify(e.ctx, input+"."+b64(sig), VerifyOptions{Nonce: e.nonce})
		if verr != nil {
			if liveness {
				t.Fatalf("the well-formed token was refused: %v", verr)
			}
			if !errors.Is(verr, ErrInvalidIDToken) {
				t.Fatalf("error %v does not wrap ErrInvalidIDToken", verr)
			}
			return
		}
		if signer != signProviderKey {
			t.Fatalf("accepted a token not signed by the provider (signer %d): header %.200q", signer, header)
		}
		if why := claimsOracle(payload, e, now); why != "" {
			t.Fatalf("accepted a token whose claims are wrong (%s): %.300q", why, payload)
		}
		if tok.Issuer != e.srv.Issuer || tok.Subject == "" || tok.Nonce != e.nonce {
			t.Fatalf("verified token %+v", tok)
		}
	})
}

// claimsOracle checks payload independently of Verify and says what is wrong ("" if nothing).
func claimsOracle(payload string, e *env, now time.Time) string {
	dec := json.NewDecoder(bytes.NewReader([]byte(payload)))
	dec.UseNumber()
	var c map[string]any
	if err := dec.Decode(&c); err != nil {
		return "payload is not a JSON object"
	}
	if c["iss"] != e.srv.Issuer {
		return "iss"
	}
	switch aud := c["aud"].(type) {
	case string:
		if aud != e.c.ClientID {
			return "aud"
		}
	case []any:
		if len(aud) == 0 || slices.ContainsFunc(aud, func(a any) bool { return a != e.c.ClientID }) {
			return "aud array"
		}
	default:
		return "aud type"
	}
	if azp, ok := c["azp"]; ok && azp != e.c.ClientID {
		return "azp"
	}
	if sub, ok := c["sub"].(string); !ok || sub == "" {
		return "sub"
	}
	if c["nonce"] != e.nonce {
		return "nonce"
	}
	slack := 10 * time.Minute // far beyond any leeway
	exp, err := number(c["exp"])
	if err != nil || exp <= float64(now.Add(-slack).Unix()) {
		return "exp"
	}
	iat, err := number(c["iat"])
	if err != nil || iat > float64(now.Add(slack).Unix()) {
		return "iat"
	}
	return ""
}

// number returns a JSON number claim as a float64.
func number(v any) (float64, error) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, errors.New("not a number")
	}
	return n.Float64()
}

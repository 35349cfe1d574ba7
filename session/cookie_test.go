package session

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"
)

func secret(t testing.TB, fill byte) []byte {
	t.Helper()
	return bytes.Repeat([]byte{fill}, MinSecretLen)
}

func mustCodec(t testing.TB, secrets [][]byte, purpose string, maxAge time.Duration) *CookieCodec {
	t.Helper()
	c, err := NewCookieCodec(secrets, purpose, maxAge)
	if err != nil {
		t.Fatalf("NewCookieCodec: %v", err)
	}
	return c
}

// forge builds a cookie value the way securecookie does (AES-CTR, then
// HMAC-SHA256 over name|timestamp|value), with a chosen timestamp. It lets the
// tests produce old cookies without waiting, since securecookie's clock
// cannot be injected.
func forge(t *testing.T, secret []byte, purpose, name string, value []byte, ts int64) string {
	t.Helper()
	hashKey, _ := hkdf.Key(sha256.New, secret, nil, "kakaogate/"+purpose+"/hash", hashKeyLen)
	blockKey, _ := hkdf.Key(sha256.New, secret, nil, "kakaogate/"+purpose+"/block", blockKeyLen)
	block, err := aes.NewCipher(blockKey)
	if err != nil {
		t.Fatal(err)
	}
	ct := make([]byte, aes.BlockSize+len(value))
	if _, err := rand.Read(ct[:aes.BlockSize]); err != nil {
		t.Fatal(err)
	}
	cipher.NewCTR(block, ct[:aes.BlockSize]).XORKeyStream(ct[aes.BlockSize:], value)
	body := fmt.Sprintf("%d|%s", ts, base64.URLEncoding.EncodeToString(ct))
	mac := hmac.New(sha256.New, hashKey)
	mac.Write([]byte(name + "|" + body))
	return base64.URLEncoding.EncodeToString(append([]byte(body+"|"), mac.Sum(nil)...))
}

func TestNewCookieCodecValidates(t *testing.T) {
	ok := [][]byte{secret(t, 'a')}
	tests := []struct {
		name    string
		secrets [][]byte
		purpose string
		maxAge  time.Duration
		wantErr string
	}{
		{"valid", ok, "session", time.Hour, ""},
		{"no secret", nil, "session", time.Hour, "no secret"},
		{"a secret under 32 bytes", [][]byte{secret(t, 'a'), []byte("0123456789012345678901234567890")}, "session", time.Hour, "secret 2 is 31 bytes"},
		{"empty purpose", ok, "", time.Hour, "purpose"},
		{"purpose with a slash", ok, "a/b", time.Hour, "purpose"},
		{"zero max age (securecookie would mean forever)", ok, "session", 0, "max age"},
		{"sub-second max age", ok, "session", 500 * time.Millisecond, "max age"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewCookieCodec(tt.secrets, tt.purpose, tt.maxAge)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want one mentioning %q", err, tt.wantErr)
			}
		})
	}
}

func TestCookieCodecMaxAgeIsTheArgumentRoundedUp(t *testing.T) {
	for _, tt := range []struct{ in, want time.Duration }{
		{time.Hour, time.Hour},
		{1500 * time.Millisecond, 2 * time.Second},
		{10 * time.Minute, 10 * time.Minute},
	} {
		if got := mustCodec(t, [][]byte{secret(t, 'a')}, "s", tt.in).MaxAge(); got != tt.want {
			t.Errorf("MaxAge() for %v = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestCookieCodecRoundTrip(t *testing.T) {
	c := mustCodec(t, [][]byte{secret(t, 'a')}, "session", time.Hour)
	for _, v := range [][]byte{[]byte("ticket bytes"), {0}, bytes.Repeat([]byte{0, 0xff}, 100)} {
		orig := bytes.Clone(v)
		enc, err := c.Encode("__Host-kg", v)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(v, orig) {
			t.Fatal("Encode modified its argument")
		}
		if bytes.Contains([]byte(enc), v) && len(v) > 0 {
			t.Fatal("the value appears in clear in the cookie")
		}
		got, err := c.Decode("__Host-kg", enc)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, v) {
			t.Fatalf("Decode = %q, want %q", got, v)
		}
	}
}

func TestCookieCodecRejects(t *testing.T) {
	a := secret(t, 'a')
	c := mustCodec(t, [][]byte{a}, "session", time.Hour)
	good, err := c.Encode("kg", []byte("ticket"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().Unix()
	tests := []struct {
		name  string
		value string
		ok    bool
	}{
		{"a fresh forged cookie decodes (the forger matches securecookie)", forge(t, a, "session", "kg", []byte("ticket"), now), true},
		{"a cookie just inside max age decodes", forge(t, a, "session", "kg", []byte("ticket"), now-3600+60), true},
		{"a cookie past max age is rejected", forge(t, a, "session", "kg", []byte("ticket"), now-3600-60), false},
		{"a 31-day-old cookie is rejected (not securecookie's 30-day default)", forge(t, a, "session", "kg", []byte("ticket"), now-31*86400), false},
		{"a cookie signed for another name is rejected", forge(t, a, "session", "other", []byte("ticket"), now), false},
		{"a cookie of another purpose is rejected", forge(t, a, "state", "kg", []byte("ticket"), now), false},
		{"a cookie under an unknown secret is rejected", forge(t, secret(t, 'z'), "session", "kg", []byte("ticket"), now), false},
		{"a value over 4096 bytes is rejected", good + strings.Repeat("A", MaxCookieLen), false},
		{"an empty value is rejected", "", false},
		{"garbage is rejected", "not a cookie", false},
		{"one character flipped is rejected", flipChar(good, len(good)/2), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.Decode("kg", tt.value)
			if tt.ok {
				if err != nil || string(got) != "ticket" {
					t.Fatalf("Decode = %q, %v; want the value", got, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Decode accepted it: %q", got)
			}
		})
	}
	t.Run("every flipped byte of the signed payload is rejected", func(t *testing.T) {
		raw, err := base64.URLEncoding.DecodeString(good)
		if err != nil {
			t.Fatal(err)
		}
		for i := range raw {
			raw[i] ^= 0x01
			if got, err := c.Decode("kg", base64.URLEncoding.EncodeToString(raw)); err == nil {
				t.Fatalf("flipping byte %d of %d was accepted: %q", i, len(raw), got)
			}
			raw[i] ^= 0x01
		}
	})
}

func flipChar(s string, i int) string {
	b := []byte(s)
	if b[i] == 'A' {
		b[i] = 'B'
	} else {
		b[i] = 'A'
	}
	return string(b)
}

func TestCookieCodecPurposesAreIsolated(t *testing.T) {
	secrets := [][]byte{secret(t, 'a')}
	sess := mustCodec(t, secrets, "session", time.Hour)
	state := mustCodec(t, secrets, "state", time.Hour)
	enc, err := sess.Encode("kg", []byte("v"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := state.Decode("kg", enc); err == nil {
		t.Fatal("a state codec decoded a session cookie")
	}
	enc, _ = state.Encode("kg", []byte("v"))
	if _, err := sess.Decode("kg", enc); err == nil {
		t.Fatal("a session codec decoded a state cookie")
	}
}

func TestCookieCodecRotation(t *testing.T) {
	oldS, newS := secret(t, 'o'), secret(t, 'n')
	before := mustCodec(t, [][]byte{oldS}, "session", time.Hour)
	during := mustCodec(t, [][]byte{newS, oldS}, "session", time.Hour)
	after := mustCodec(t, [][]byte{newS}, "session", time.Hour)

	oldCookie, _ := before.Encode("kg", []byte("old"))
	newCookie, _ := during.Encode("kg", []byte("new"))
	tests := []struct {
		name   string
		codec  *CookieCodec
		cookie string
		ok     bool
	}{
		{"cookies of the old secret still decode during rotation", during, oldCookie, true},
		{"the first secret encodes (a new-only codec decodes it)", after, newCookie, true},
		{"the first secret encodes (an old-only codec rejects it)", before, newCookie, false},
		{"cookies of a retired secret are rejected", after, oldCookie, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.codec.Decode("kg", tt.cookie)
			if (err == nil) != tt.ok {
				t.Fatalf("Decode error = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestCookieCodecEncodeRefuses(t *testing.T) {
	c := mustCodec(t, [][]byte{secret(t, 'a')}, "session", time.Hour)
	for _, tt := range []struct {
		name  string
		value []byte
	}{
		{"a value that would encode to over 4096 bytes", make([]byte, 3500)},
		{"an empty value (securecookie cannot decrypt one)", []byte{}},
		{"a nil value", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if enc, err := c.Encode("kg", tt.value); err == nil {
				t.Fatalf("Encode = %d bytes, want an error", len(enc))
			}
		})
	}
}

func TestCookieCodecDecodeChecksLengthFirst(t *testing.T) {
	c := mustCodec(t, [][]byte{secret(t, 'a')}, "session", time.Hour)
	_, err := c.Decode("kg", strings.Repeat("A", MaxCookieLen+1))
	if err == nil || !strings.Contains(err.Error(), "exceeds 4096") {
		t.Fatalf("Decode = %v, want the length error", err)
	}
}

// BenchmarkCookieDecode opens a session cookie (a ticket) sealed with the newest secret, the
// gateway's every-request case, and one sealed with the older secret still accepted during a
// rotation (the newest is tried first).
func BenchmarkCookieDecode(b *testing.B) {
	newest, older := secret(b, 'n'), secret(b, 'o')
	c := mustCodec(b, [][]byte{newest, older}, "session", time.Hour)
	id, _ := newID()
	tb, _ := Ticket{ID: id}.MarshalBinary()
	for _, tt := range []struct {
		name    string
		secrets [][]byte
	}{
		{"newest_secret", [][]byte{newest}},
		{"older_secret", [][]byte{older}},
	} {
		b.Run(tt.name, func(b *testing.B) {
			enc, err := mustCodec(b, tt.secrets, "session", time.Hour).Encode("__Host-kakaogate", tb)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Decode("__Host-kakaogate", enc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

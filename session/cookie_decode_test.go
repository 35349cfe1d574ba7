package session

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"math"
	"math/big"
	mrand "math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/gorilla/securecookie"
)

// TestCookieDecodeMatchesSecurecookie checks the allocation-free decoder against
// securecookie's own DecodeMulti on valid, tampered, renamed, expired and oversized values:
// both must accept exactly the same values and return the same bytes.
func TestCookieDecodeMatchesSecurecookie(t *testing.T) {
	a, b := secret(t, 'a'), secret(t, 'b')
	c := mustCodec(t, [][]byte{a, b}, "session", time.Hour)
	old := mustCodec(t, [][]byte{b}, "session", time.Hour)
	rng := mrand.New(mrand.NewPCG(1, 2))
	now := time.Now().Unix()

	var values []string
	add := func(v string) { values = append(values, v) }
	for _, n := range []int{1, 15, 16, 17, 49, 200, 700, 1500, 2200} { // both sides of the pooled buffer
		plain := make([]byte, n)
		_, _ = rand.Read(plain)
		for _, codec := range []*CookieCodec{c, old} {
			enc, err := codec.Encode("kg", plain)
			if err != nil {
				t.Fatalf("Encode %d bytes: %v", n, err)
			}
			add(enc)
			for range 20 { // random single-character changes
				bs := []byte(enc)
				bs[rng.IntN(len(bs))] = "ABCabc012-_="[rng.IntN(12)]
				add(string(bs))
			}
			add(enc[:len(enc)/2])
			add(enc + "A")
			add(enc + "\n")
		}
		add(forge(t, a, "session", "kg", plain, now-3600+5))
		add(forge(t, a, "session", "kg", plain, now-3600-5))
		add(forge(t, a, "session", "other", plain, now))
	}
	for _, body := range []string{"", "|", "||", "1|2|3", "x|y|z|w", "+5|AAAA|", "-1|AAAA|"} {
		add(base64.URLEncoding.EncodeToString([]byte(body)))
	}
	add("not base64 at all!")

	ref := []securecookie.Codec{securecookieFor(t, a), securecookieFor(t, b)}
	accepted := 0
	for i, v := range values {
		var want []byte
		wantErr := securecookie.DecodeMulti("kg", v, &want, ref...)
		got, err := c.Decode("kg", v)
		if (err == nil) != (wantErr == nil) || !bytes.Equal(got, want) {
			t.Fatalf("value %d (%.40q…): Decode = %x, %v; securecookie = %x, %v", i, v, got, err, want, wantErr)
		}
		if err == nil {
			accepted++
		}
	}
	if accepted < 18 || accepted == len(values) {
		t.Fatalf("%d of %d values accepted: the cases do not exercise both outcomes", accepted, len(values))
	}
}

// securecookieFor is the securecookie codec NewCookieCodec configures for secret.
func securecookieFor(t *testing.T, secret []byte) securecookie.Codec {
	t.Helper()
	c := mustCodec(t, [][]byte{secret}, "session", time.Hour)
	return c.codecs[0]
}

// TestCTRMatchesTheStandardLibrary covers the counter's carry across bytes and its wrap at
// 2^128, where a hand-written CTR could go wrong.
func TestCTRMatchesTheStandardLibrary(t *testing.T) {
	block, err := aes.NewCipher(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	src := make([]byte, 100)
	_, _ = rand.Read(src)
	for _, iv := range [][]byte{
		make([]byte, 16),
		append(bytes.Repeat([]byte{0}, 14), 0x00, 0xfe),
		append(bytes.Repeat([]byte{0}, 8), bytes.Repeat([]byte{0xff}, 8)...),
		bytes.Repeat([]byte{0xff}, 16),
	} {
		want := make([]byte, len(src))
		cipher.NewCTR(block, iv).XORKeyStream(want, src)
		got := make([]byte, len(src))
		ctrXOR(block, new(decodeBuffer), iv, got, src)
		if !bytes.Equal(got, want) {
			t.Fatalf("iv %x: CTR output differs", iv)
		}
	}
}

func TestParseInt64MatchesStrconv(t *testing.T) {
	cases := []string{"", "0", "1", "-1", "+1", "1700000000", "9223372036854775807", "9223372036854775808",
		"-9223372036854775808", "-9223372036854775809", "99999999999999999999", "12a", " 1", "1 ", "+", "-", "--1", "+-1", "0x10"}
	for range 200 {
		n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
		cases = append(cases, new(big.Int).Sub(n, new(big.Int).SetUint64(math.MaxInt64)).String())
	}
	for _, s := range cases {
		want, err := strconv.ParseInt(s, 10, 64)
		got, ok := parseInt64([]byte(s))
		if ok != (err == nil) || (ok && got != want) {
			t.Errorf("parseInt64(%q) = %d, %v; strconv: %d, %v", s, got, ok, want, err)
		}
	}
}

package session

import (
	"bytes"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	mrand "math/rand/v2"
	"testing"
	"time"

	"github.com/gorilla/securecookie"
)

// TestCookieDecodeStillOpensAnIssuedCookie: a session cookie sealed by an earlier release
// (with a long max age, so that it has not expired) still opens to the same ticket. Browsers
// hold cookies across upgrades; the wire format must not change.
func TestCookieDecodeStillOpensAnIssuedCookie(t *testing.T) {
	const issued = "MTc5NjM4OTk1OXxjV2xHTmNiRHRrbFhJZVZxUTkzVGVrbmZid0lBZU1QbF9ack1YYmJRbGl0OGw0M3JxZlVjcXljLWJLTGs0NHZkODA5YkhWcU92VzI2Q0pOWFY0REcxY2M9fN5-X-ep_tdo0-CXpNLEfDHddPY6UbB0D_SR31uwqMrU"
	c := mustCodec(t, [][]byte{secret(t, 'g')}, "session", 100*365*24*time.Hour)
	got, err := c.Decode("__Host-kakaogate", issued)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	want := Ticket{ID: "AAECAwQFBgcICQoLDA0ODw"}
	for i := range want.Key {
		want.Key[i] = byte(i)
	}
	if tk, err := ParseTicket(got); err != nil || tk != want {
		t.Fatalf("opened to %x (%v), want the ticket %+v", got, err, want)
	}
}

// TestCookieDecodeIsSecurecookieWithDerivedKeys checks CookieCodec against securecookie
// configured by hand the documented way (HKDF-SHA256 keys per secret and purpose, the
// NopEncoder, the max age) on valid, tampered, renamed, expired and malformed values: both
// must accept exactly the same values and return the same bytes, so a configuration change
// that would break the cookies browsers hold shows here.
func TestCookieDecodeIsSecurecookieWithDerivedKeys(t *testing.T) {
	a, b := secret(t, 'a'), secret(t, 'b')
	c := mustCodec(t, [][]byte{a, b}, "session", time.Hour)
	old := mustCodec(t, [][]byte{b}, "session", time.Hour)
	rng := mrand.New(mrand.NewPCG(1, 2))
	now := time.Now().Unix()

	var values []string
	add := func(v string) { values = append(values, v) }
	for _, n := range []int{1, 15, 16, 17, 49, 200, 700, 1500, 2200} {
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
		add(forge(t, a, "login", "kg", plain, now))
	}
	for _, body := range []string{"", "|", "||", "1|2|3", "x|y|z|w", "+5|AAAA|", "-1|AAAA|"} {
		add(base64.URLEncoding.EncodeToString([]byte(body)))
	}
	add("not base64 at all!")

	ref := []securecookie.Codec{referenceCodec(t, a), referenceCodec(t, b)}
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

// referenceCodec is securecookie set up for secret and the "session" purpose, with a one
// hour max age, as NewCookieCodec documents it.
func referenceCodec(t *testing.T, secret []byte) securecookie.Codec {
	t.Helper()
	hashKey, err := hkdf.Key(sha256.New, secret, nil, "kakaogate/session/hash", 64)
	if err != nil {
		t.Fatal(err)
	}
	blockKey, err := hkdf.Key(sha256.New, secret, nil, "kakaogate/session/block", 32)
	if err != nil {
		t.Fatal(err)
	}
	return securecookie.New(hashKey, blockKey).SetSerializer(securecookie.NopEncoder{}).MaxAge(3600)
}

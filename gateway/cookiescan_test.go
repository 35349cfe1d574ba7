package gateway

import (
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
)

// stdlibWithout is how stripGatewayCookies rebuilt the Cookie header from r.Cookies() before
// the single-pass scan: the reference withoutCookies must match.
func stdlibWithout(lines []string, prefix string) string {
	r := &http.Request{Header: http.Header{"Cookie": lines}}
	var kept []string
	for _, c := range r.Cookies() {
		if !strings.HasPrefix(c.Name, prefix) {
			kept = append(kept, c.Name+"="+c.Value)
		}
	}
	return strings.Join(kept, "; ")
}

// cookieLines are Cookie headers that probe every rule of net/http's parser: spacing, empty
// parts, quotes, invalid bytes and names, duplicates, several lines, the gateway's prefix.
var cookieLines = [][]string{
	nil,
	{""},
	{"kakaogate=abc"},
	{"  kakaogate=abc  "},
	{"a=1; kakaogate=abc; b=2"},
	{"a=1;kakaogate=abc;b=2;;; "},
	{"kakaogate=\"quoted\"; a=\"x\""},
	{"kakaogate=\"unbalanced; a=1"},
	{"kakaogate=bad\\value; kakaogate=good"},
	{"kakaogate=bad\"value; kakaogate=second"},
	{"kakaogate=has space; x=y"},
	{"kakaogate=has,comma"},
	{"kakaogate =spaced-name; a=b"},
	{" kakaogate\t=tab"},
	{"kakaogate"},
	{"kakaogate="},
	{"=nameless; kakaogate=v"},
	{"bad name=1; kakaogate=v; ok=2"},
	{"kakaogate-login-abc=s1; kakaogate-autologin=1; app=z"},
	{"__Host-kakaogate=v1; __Host-kakaogate-login-x=s; app=1"},
	{"a=1", "kakaogate=from-second-line", "kakaogate=third"},
	{"a=\x01ctl; b=\x7fdel; c=é; kakaogate=v"},
	{"kakaogate=a=b=c"},
	{"x=1; KAKAOGATE=upper; kakaogate=lower"},
}

func TestCookieScanMatchesNetHTTP(t *testing.T) {
	names := []string{"kakaogate", "__Host-kakaogate", "kakaogate-login-abc", "a"}
	prefixes := []string{"kakaogate", "__Host-kakaogate"}
	check := func(t *testing.T, lines []string) {
		t.Helper()
		r := &http.Request{Header: http.Header{"Cookie": lines}}
		for _, name := range names {
			want, err := r.Cookie(name)
			got, ok := cookieValue(r.Header["Cookie"], name)
			if ok != (err == nil) || (ok && got != want.Value) {
				t.Fatalf("cookieValue(%q, %q) = %q, %v; r.Cookie = %v, %v", lines, name, got, ok, want, err)
			}
		}
		for _, prefix := range prefixes {
			got, ok := withoutCookies(lines, prefix)
			if want := stdlibWithout(lines, prefix); !ok || got != want {
				t.Fatalf("withoutCookies(%q, %q) = %q, %v; net/http gives %q", lines, prefix, got, ok, want)
			}
		}
	}
	for _, lines := range cookieLines {
		check(t, lines)
	}
	t.Run("random headers", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(3, 4))
		alphabet := []string{"kakaogate", "__Host-", "-login-", "a", "=", ";", " ", "\t", "\"", "\\", ",", "x", "\x01", "é"}
		for range 5000 {
			var lines []string
			for range 1 + rng.IntN(2) {
				var b strings.Builder
				for range rng.IntN(12) {
					b.WriteString(alphabet[rng.IntN(len(alphabet))])
				}
				lines = append(lines, b.String())
			}
			check(t, lines)
		}
	})
	t.Run("too many cookies: net/http decides", func(t *testing.T) {
		lines := []string{strings.Repeat("a=1; ", maxScannedCookies) + "kakaogate=v"}
		r := &http.Request{Header: http.Header{"Cookie": lines}}
		if _, ok := cookieValue(r.Header["Cookie"], "kakaogate"); ok {
			t.Fatal("a cookie past net/http's limit was read")
		}
		if _, ok := withoutCookies(lines, "kakaogate"); ok {
			t.Fatal("withoutCookies scanned past the limit instead of deferring")
		}
	})
}

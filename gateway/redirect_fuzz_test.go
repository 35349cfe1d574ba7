package gateway

import (
	"net/url"
	"strings"
	"testing"
)

// fuzzSiteBase is the site the return paths of FuzzSafeReturnPath are resolved against.
const fuzzSiteBase = "https://app.example.com/some/page?x=1"

// FuzzSafeReturnPath feeds arbitrary return paths (the rd parameter, a protected page's own
// address) to safeReturnPath. The result must be "/" or a same-origin path: no control
// characters or backslashes, not scheme-relative, resolving to this site both with
// Go's URL parser and after a browser's own clean-up (tabs and newlines dropped, backslashes
// read as slashes); and it must be stable, since a kept return path is checked again when a
// login restarts (consent). (The query is kept as sent, so it may hold spaces or UTF-8: the
// property is about the origin, not about canonical encoding.) Seeds: testdata/fuzz.
func FuzzSafeReturnPath(f *testing.F) {
	base, err := url.Parse(fuzzSiteBase)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, p string) {
		got := safeReturnPath(p)
		if got == "/" {
			return
		}
		if len(got) > maxReturnPath {
			t.Fatalf("safeReturnPath(%.200q) = %d bytes, more than %d", p, len(got), maxReturnPath)
		}
		for i := 0; i < len(got); i++ {
			if c := got[i]; c < 0x20 || c == 0x7f || c == '\\' {
				t.Fatalf("safeReturnPath(%.200q) = %.200q: byte %#x at %d", p, got, c, i)
			}
		}
		if !strings.HasPrefix(got, "/") || strings.HasPrefix(got, "//") || !browserSameSite(got) {
			t.Fatalf("safeReturnPath(%.200q) = %.200q: not a same-site path", p, got)
		}
		ref, err := url.Parse(got)
		if err != nil {
			t.Fatalf("safeReturnPath(%.200q) = %.200q does not parse: %v", p, got, err)
		}
		to := base.ResolveReference(ref)
		if to.Scheme != base.Scheme || to.Host != base.Host || to.User != nil {
			t.Fatalf("safeReturnPath(%.200q) = %.200q resolves to %s", p, got, to)
		}
		if again := safeReturnPath(got); again != got {
			t.Fatalf("safeReturnPath is not stable: %.200q -> %.200q -> %.200q", p, got, again)
		}
	})
}

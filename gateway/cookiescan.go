package gateway

import (
	"net/http"
	"net/textproto"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// maxScannedCookies is net/http's default cap on the cookies of a request (httpcookiemaxnum):
// above it the standard library, which then decides (it honours GODEBUG), is asked instead.
const maxScannedCookies = 3000

// cookieCount counts the cookies of r's Cookie headers as net/http does before parsing them.
func cookieCount(lines []string) int {
	n := 0
	for _, l := range lines {
		n += strings.Count(l, ";") + 1
	}
	return n
}

// cookieValue returns the value of the first valid cookie called name in the Cookie header
// lines: exactly r.Cookie(name)'s answer, without parsing (and allocating) every other cookie.
func cookieValue(lines []string, name string) (string, bool) {
	if cookieCount(lines) > maxScannedCookies {
		c, err := (&http.Request{Header: http.Header{"Cookie": lines}}).Cookie(name)
		if err != nil {
			return "", false
		}
		return c.Value, true
	}
	for _, line := range lines {
		line = textproto.TrimString(line)
		for len(line) > 0 {
			var part string
			part, line, _ = strings.Cut(line, ";")
			n, v, _ := strings.Cut(textproto.TrimString(part), "=")
			if textproto.TrimString(n) != name {
				continue
			}
			if v, ok := validCookieValue(v); ok {
				return v, true
			}
		}
	}
	return "", false
}

// withoutCookies returns the Cookie header line that keeps every valid cookie of lines whose
// name does not start with prefix, as "name=value; …" (quotes removed), the way rebuilding
// it from r.Cookies() would; "" when none is left. ok is false when there are too many
// cookies to scan (the caller asks net/http).
func withoutCookies(lines []string, prefix string) (kept string, ok bool) {
	if cookieCount(lines) > maxScannedCookies {
		return "", false
	}
	var b strings.Builder
	size := 0
	for _, line := range lines {
		size += len(line)
	}
	for _, line := range lines {
		line = textproto.TrimString(line)
		for len(line) > 0 {
			var part string
			part, line, _ = strings.Cut(line, ";")
			part = textproto.TrimString(part)
			if part == "" {
				continue
			}
			name, v, _ := strings.Cut(part, "=")
			name = textproto.TrimString(name)
			if !httpguts.ValidHeaderFieldName(name) || strings.HasPrefix(name, prefix) {
				continue
			}
			v, valid := validCookieValue(v)
			if !valid {
				continue
			}
			if b.Len() > 0 {
				b.WriteString("; ")
			} else {
				b.Grow(size) // one allocation, and none when nothing is kept
			}
			b.WriteString(name)
			b.WriteByte('=')
			b.WriteString(v)
		}
	}
	return b.String(), true
}

// validCookieValue is net/http's parseCookieValue(raw, true): surrounding double quotes are
// removed, and any byte outside RFC 6265's cookie-octet (plus space and comma) makes it
// invalid.
func validCookieValue(raw string) (string, bool) {
	if len(raw) > 1 && raw[0] == '"' && raw[len(raw)-1] == '"' {
		raw = raw[1 : len(raw)-1]
	}
	for i := 0; i < len(raw); i++ {
		if c := raw[i]; c < 0x20 || c >= 0x7f || c == '"' || c == ';' || c == '\\' {
			return "", false
		}
	}
	return raw, true
}

package gateway

import (
	"net/http"
	"strconv"
	"strings"
)

// locale is a language the gateway's pages are written in.
type locale string

// The languages of the built-in pages. English is the default; Korean is chosen when the
// browser prefers it.
const (
	localeEN locale = "en"
	localeKO locale = "ko"
)

// Bounds on the Accept-Language header read: real browsers send a handful of entries.
const (
	maxAcceptLanguageBytes   = 1024
	maxAcceptLanguageEntries = 32
)

// requestLocale is the language of the pages shown for r, from its Accept-Language header.
func requestLocale(r *http.Request) locale {
	return negotiateLocale(strings.Join(r.Header.Values("Accept-Language"), ","))
}

// negotiateLocale picks the supported language the header prefers most (RFC 9110 §12.5.4):
// the highest q-value wins, ties go to the entry listed first, q=0 means "not acceptable",
// and "*" stands for English. Without any acceptable supported language it is English.
func negotiateLocale(header string) locale {
	if len(header) > maxAcceptLanguageBytes {
		header = header[:maxAcceptLanguageBytes]
	}
	best, bestQ := localeEN, 0.0
	for i, entry := range strings.Split(header, ",") {
		if i == maxAcceptLanguageEntries {
			break
		}
		tag, q, ok := parseLanguageRange(entry)
		if !ok {
			continue
		}
		var l locale
		switch {
		case tag == "*":
			l = localeEN
		case primarySubtag(tag) == "ko":
			l = localeKO
		case primarySubtag(tag) == "en":
			l = localeEN
		default:
			continue
		}
		if q > bestQ {
			best, bestQ = l, q
		}
	}
	return best
}

// parseLanguageRange splits one Accept-Language entry such as "ko-KR;q=0.8" into its
// lower-cased language range and q-value (1 when absent). Malformed entries are not ok.
func parseLanguageRange(entry string) (tag string, q float64, ok bool) {
	tag, params, _ := strings.Cut(entry, ";")
	tag = strings.ToLower(strings.TrimSpace(tag))
	if tag == "" || len(tag) > 35 {
		return "", 0, false
	}
	q = 1
	for p := range strings.SplitSeq(params, ";") {
		name, value, found := strings.Cut(strings.TrimSpace(p), "=")
		if !found || !strings.EqualFold(strings.TrimSpace(name), "q") {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil || v < 0 || v > 1 {
			return "", 0, false
		}
		q = v
	}
	return tag, q, true
}

// primarySubtag is the language of a tag: "ko" for "ko-KR".
func primarySubtag(tag string) string {
	lang, _, _ := strings.Cut(tag, "-")
	return lang
}

// text is one piece of page text in every supported language.
type text struct{ en, ko string }

// in returns the text in l, falling back to English.
func (t text) in(l locale) string {
	if l == localeKO && t.ko != "" {
		return t.ko
	}
	return t.en
}

// in returns the catalogue's text for id in l; msgNone is empty.
func (id msgID) in(l locale) string {
	if id <= msgNone || id >= msgCount {
		return ""
	}
	return catalogue[id].in(l)
}

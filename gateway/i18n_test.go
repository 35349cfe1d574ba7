package gateway

import (
	"net/http/httptest"
	"strings"
	"testing"
	"unicode"
)

func TestNegotiateLocale(t *testing.T) {
	tests := []struct {
		name   string
		header string
		want   locale
	}{
		{"no header means English", "", localeEN},
		{"Korean alone", "ko", localeKO},
		{"a Korean browser", "ko-KR,ko;q=0.9,en-US;q=0.8,en;q=0.7", localeKO},
		{"an English browser that also reads Korean", "en-US,en;q=0.9,ko;q=0.8", localeEN},
		{"q-values win over order", "en;q=0.5, ko;q=0.8", localeKO},
		{"an unsupported first choice is passed over", "fr-FR,fr;q=0.9,ko;q=0.4", localeKO},
		{"only unsupported languages means English", "fr-FR,de;q=0.8", localeEN},
		{"q=0 means not acceptable", "ko;q=0", localeEN},
		{"q=0 Korean with an unsupported language", "ko;q=0, ja", localeEN},
		{"the wildcard stands for English", "ko;q=0.5, *;q=0.9", localeEN},
		{"tags are case-insensitive", "KO-kr", localeKO},
		{"equal q-values: the first listed wins (en)", "en;q=0.8, ko;q=0.8", localeEN},
		{"equal q-values: the first listed wins (ko)", "ko;q=0.8, en;q=0.8", localeKO},
		{"a malformed q-value drops the entry", "ko;q=abc, en;q=0.1", localeEN},
		{"a q-value above 1 drops the entry", "ko;q=2", localeEN},
		{"spaces and other parameters are tolerated", " ko-KR ; foo=bar ; q=0.7 ", localeKO},
		{"a Korean entry past the entry limit is not read", strings.Repeat("fr,", maxAcceptLanguageEntries) + "ko", localeEN},
		{"an oversized header is cut, not rejected", "ko," + strings.Repeat("x", 2*maxAcceptLanguageBytes), localeKO},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := negotiateLocale(tt.header); got != tt.want {
				t.Fatalf("negotiateLocale(%.60q) = %s, want %s", tt.header, got, tt.want)
			}
		})
	}
}

// TestRequestLocaleReadsEveryAcceptLanguageHeader: a header split over several lines counts
// as one list.
func TestRequestLocaleReadsEveryAcceptLanguageHeader(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Add("Accept-Language", "en;q=0.3")
	r.Header.Add("Accept-Language", "ko;q=0.9")
	if got := requestLocale(r); got != localeKO {
		t.Fatalf("requestLocale = %s, want ko", got)
	}
}

// TestCatalogueHasEveryMessageInBothLanguages: every id has an English text and a Korean one
// that is really Korean (not a copy of the English).
func TestCatalogueHasEveryMessageInBothLanguages(t *testing.T) {
	for id := msgNone + 1; id < msgCount; id++ {
		en, ko := catalogue[id].en, catalogue[id].ko
		if en == "" || ko == "" {
			t.Errorf("message %d: en %q, ko %q: both are needed", id, en, ko)
			continue
		}
		if !strings.ContainsFunc(ko, func(r rune) bool { return unicode.Is(unicode.Hangul, r) }) {
			t.Errorf("message %d: the Korean text %q has no Hangul", id, ko)
		}
	}
	if msgNone.in(localeKO) != "" || msgCount.in(localeEN) != "" {
		t.Error("ids outside the catalogue must be empty")
	}
	if got := msgKakaoLogin.in(locale("fr")); got != "Login with Kakao" {
		t.Errorf("an unknown locale falls back to English, got %q", got)
	}
}

func TestScopeDisplayNames(t *testing.T) {
	got := scopeDisplayNames([]string{"gender", "openid", "custom_scope", "account_email"}, localeKO)
	want := []string{"성별", "custom_scope", "카카오계정(이메일)"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("scopeDisplayNames = %q, want %q", got, want)
	}
	for scope, id := range scopeNames {
		if id.in(localeEN) == "" {
			t.Errorf("scope %s has no name", scope)
		}
	}
}

func TestStillMissing(t *testing.T) {
	tests := []struct {
		name                       string
		missing, required, granted []string
		want                       string
	}{
		{"nothing required", nil, nil, []string{"openid"}, ""},
		{"the route's scope was granted", nil, []string{"gender"}, []string{"openid", "gender"}, ""},
		{"the route's scope was declined", nil, []string{"gender"}, []string{"openid"}, "gender"},
		{"this handler's and the route's are merged once", []string{"gender"}, []string{"gender", "age_range"}, nil, "gender,age_range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := strings.Join(stillMissing(tt.missing, tt.required, tt.granted), ","); got != tt.want {
				t.Fatalf("stillMissing = %q, want %q", got, tt.want)
			}
		})
	}
}

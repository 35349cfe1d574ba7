package gateway

import (
	"html"
	"net/http"
	"strings"
	"testing"

	"github.com/kakaogate/kakaogate/config"
)

// TestKoreanWordingOfTheFirstRunPages pins the Korean texts issue 11 had reworded, as a Korean
// user reads them: unlink without a session says "not signed in", the denied page names the
// area, declining extra consent keeps the login, and no page says that the login service
// refused or could not complete "the login" ("로그인 서비스가 로그인을 …").
func TestKoreanWordingOfTheFirstRunPages(t *testing.T) {
	tests := []struct {
		page string
		id   msgID
		want string
	}{
		{"unlink without a session: title", msgNotSignedInTitle, "로그인되어 있지 않습니다"},
		{"unlink without a session: detail", msgUnlinkNeedsLogin, "카카오계정 연결을 끊으려면 먼저 로그인해 주세요."},
		{"access denied: title", msgDeniedTitle, "이 영역에 접근할 권한이 없습니다"},
		{"access denied: detail", msgDeniedDetail, "로그인은 되었지만 이 영역은 일부 계정만 이용할 수 있습니다. 잘못된 것 같다면 사이트 운영자에게 문의해 주세요."},
		{"consent declined: title", msgConsentDeclinedTitle, "로그인은 그대로 유지됩니다"},
		{"token refused: title", msgTokenRefusedTitle, "로그인 요청이 거부되었습니다"},
		{"provider error: detail", msgProviderErrorDetail, "로그인을 처리하는 중에 문제가 생겼습니다. 다시 시도해 주세요."},
		{"provider error with Kakao: detail", msgProviderErrorDetailKakao, "카카오 로그인을 처리하는 중에 문제가 생겼습니다. 다시 시도해 주세요."},
		{"unknown scope: title", msgScopeUnknownTitle, "이 사이트가 로그인 서비스에서 제공하지 않는 권한을 요청했습니다"},
		{"not found: detail", msgNotFoundDetail, "로그인 기능에 쓰이는 주소이지만 이곳에는 아무 페이지도 없습니다."},
		{"ID token refused: detail", msgIDTokenDetail, "로그인 정보를 확인하지 못해 로그인되지 않았습니다. 처음부터 다시 시도해 주세요."},
	}
	for _, tt := range tests {
		if got := tt.id.in(localeKO); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.page, got, tt.want)
		}
	}
	for id := msgNone + 1; id < msgCount; id++ {
		if ko := id.in(localeKO); strings.Contains(ko, "서비스가 로그인") {
			t.Errorf("message %d says the login service did something to the login: %q", id, ko)
		}
	}
}

// TestProviderErrorPageNamesKakao: an authorization error the gateway has no special words
// for shows, in Korean, Kakao's name with the Kakao provider and neutral words otherwise.
func TestProviderErrorPageNamesKakao(t *testing.T) {
	tests := []struct {
		provider string
		want     msgID
	}{
		{config.ProviderKakao, msgProviderErrorDetailKakao},
		{config.ProviderOIDC, msgProviderErrorDetail},
	}
	for _, tt := range tests {
		t.Run(tt.provider, func(t *testing.T) {
			h := newHarness(t, harnessOptions{provider: tt.provider})
			c := h.browser()
			state, _ := h.startLogin(c, "/members")
			res := h.get(noFollow(c), "/.auth/callback?error=server_error&state="+state, "Accept: text/html", "Accept-Language: ko")
			if res.StatusCode != http.StatusBadRequest || !strings.Contains(html.UnescapeString(res.body), tt.want.in(localeKO)) {
				t.Fatalf("%d, want 400 saying %q\n%s", res.StatusCode, tt.want.in(localeKO), res.body)
			}
		})
	}
}

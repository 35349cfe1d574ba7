package kakao

import "testing"

func TestIsTalkInAppBrowser(t *testing.T) {
	tests := []struct {
		name string
		ua   string
		want bool
	}{
		{"Android KakaoTalk in-app browser", "Mozilla/5.0 (Linux; Android 13; SM-S918N Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36;KAKAOTALK 2410030", true},
		{"iOS KakaoTalk in-app browser", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 KAKAOTALK 10.8.5", true},
		{"token with version suffix", "X KAKAOTALK/10.8.5", true},
		{"desktop Chrome", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36", false},
		{"KakaoTalk link-preview crawler is lower case", "facebookexternalhit/1.1; kakaotalk-scrap/1.0", false},
		{"mixed case is not Kakao's token", "Mozilla/5.0 KakaoTalk", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsTalkInAppBrowser(tt.ua); got != tt.want {
				t.Errorf("IsTalkInAppBrowser(%q) = %v, want %v", tt.ua, got, tt.want)
			}
		})
	}
}

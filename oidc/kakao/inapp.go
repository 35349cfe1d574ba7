package kakao

import "strings"

// talkUAToken marks KakaoTalk's in-app browser in the User-Agent, e.g. an
// Android UA ending in "KAKAOTALK/10.8.x".
const talkUAToken = "KAKAOTALK"

// IsTalkInAppBrowser reports whether userAgent is KakaoTalk's in-app browser,
// where Kakao signs the person in automatically and a silent prompt=none
// login can succeed (prompt=login is not supported there).
//
// The match is case-sensitive on purpose: Kakao's documentation gives the
// upper-case token "KAKAOTALK", and a case-insensitive match would also catch
// unrelated agents that merely mention Kakao Talk in lower case (such as
// KakaoTalk's link-preview crawler, "kakaotalk-scrap"), sending them into a
// login redirect they cannot complete.
func IsTalkInAppBrowser(userAgent string) bool {
	return strings.Contains(userAgent, talkUAToken)
}

package gateway

// msgID names one text of the message catalogue. Every text a person reads on the gateway's
// pages (titles, details, buttons, labels) is a catalogue entry in English and Korean.
type msgID int

// The catalogue's entries; catalogue below holds their texts.
const (
	msgNone msgID = iota // no text

	// Labels shared by the pages.
	msgHome
	msgCancel
	msgRequestID
	msgKakaoLogin
	msgLogIn
	msgLogOut
	msgLogInAgain
	msgTryAgain
	msgDisconnect
	msgGrantPermission
	msgPermissionsNeeded

	// Pages that are not errors.
	msgSignedOutTitle
	msgNotSignedInTitle
	msgSignedOutDetail
	msgNoSignInDetail
	msgUnlinkNeedsLogin
	msgLogoutTitle
	msgLogoutDetail
	msgLogoutAccountDetail
	msgLogoutProviderDetail
	msgUnlinkTitle
	msgUnlinkDetail
	msgLoginTitle
	msgLoginDetailKakao
	msgLoginDetail
	msgLoginChoose
	msgUnknownProviderTitle
	msgUnknownProviderDetail

	// Errors.
	msgRetryLater
	msgRetry
	msgSomethingWrong
	msgNotFoundTitle
	msgNotFoundDetail
	msgMethodTitle
	msgMethodDetail
	msgBadRequestTitle
	msgBadRequestDetail
	msgStateTitle
	msgStateDetail
	msgBadCallbackTitle
	msgBadCallbackDetail
	msgSignInUnavailable
	msgSessionNotSaved
	msgSessionNotChecked
	msgLogoutUnavailable
	msgSessionNotReached
	msgSessionNotEnded
	msgLogoutFormTitle
	msgLogoutCSRFTitle
	msgLogoutCSRFDetail
	msgUnlinkCSRFTitle
	msgUnlinkCSRFDetail
	msgUnlinkFailedTitle
	msgUnlinkFailedDetail
	msgProviderDownTitle
	msgProviderDownDetail
	msgTooManyFailedTitle
	msgLoginBusyTitle
	msgTooManyFailedDetail
	msgProviderErrorTitle
	msgProviderErrorDetail
	msgProviderErrorDetailKakao
	msgCancelledTitle
	msgCancelledDetail
	msgConfirmTitle
	msgConfirmDetail
	msgScopeUnknownTitle
	msgScopeUnknownDetail
	msgCodeUsedTitle
	msgCodeUsedDetail
	msgTokenRefusedTitle
	msgTokenRefusedDetail
	msgIDTokenTitle
	msgIDTokenDetail
	msgProviderBadTitle
	msgNoScopeTitle
	msgNoScopeDetail
	msgConsentTitle
	msgConsentDetail
	msgDeniedTitle
	msgDeniedDetail
	msgLoopTitle
	msgLoopDetail

	// Kakao consent items, by the names Kakao's consent screen uses.
	msgScopeNickname
	msgScopeImage
	msgScopeEmail
	msgScopeName
	msgScopeGender
	msgScopeAgeRange
	msgScopeBirthday
	msgScopeBirthyear
	msgScopePhone
	msgScopeTalkMessage
	msgScopeFriends
	msgScopeShipping

	// An additional consent that did not come through.
	msgConsentDeclinedTitle
	msgConsentDeclinedDetail
	msgConsentUnavailableTitle
	msgConsentUnavailableDetail

	// Finishing a signup (signup app, <prefix>/signup).
	msgSignUp
	msgSignupTitle
	msgSignupDetail
	msgSignupNeedsLogin
	msgSignupCSRFTitle
	msgSignupCSRFDetail
	msgSignupNotKakaoTitle
	msgSignupNotKakaoDetail
	msgSignupUnavailableTitle
	msgSignupUnavailableDetail
	msgSignupNotSavedDetail
	msgSignupFailedTitle
	msgSignupFailedDetail
	msgSignupExpiredTitle
	msgSignupExpiredDetail

	msgCount // the number of ids; keep last
)

// catalogue holds every message in English and Korean. A test checks that each id has both.
var catalogue = [msgCount]text{
	msgHome:              {"Go to the home page", "홈으로 가기"},
	msgCancel:            {"Cancel", "취소"},
	msgRequestID:         {"Request ID", "요청 ID"},
	msgKakaoLogin:        {"Login with Kakao", "카카오 로그인"},
	msgLogIn:             {"Log in", "로그인"},
	msgLogOut:            {"Log out", "로그아웃"},
	msgLogInAgain:        {"Log in again", "다시 로그인"},
	msgTryAgain:          {"Try again", "다시 시도"},
	msgDisconnect:        {"Disconnect", "연결 끊기"},
	msgGrantPermission:   {"Grant permission", "동의하고 계속하기"},
	msgPermissionsNeeded: {"Permissions needed", "필요한 동의 항목"},

	msgSignedOutTitle:        {"You are signed out", "로그아웃되었습니다"},
	msgNotSignedInTitle:      {"You are not signed in", "로그인되어 있지 않습니다"},
	msgSignedOutDetail:       {"You have been signed out of this site.", "이 사이트에서 로그아웃되었습니다."},
	msgNoSignInDetail:        {"There is no active sign-in in this browser.", "이 브라우저에는 로그인된 계정이 없습니다."},
	msgUnlinkNeedsLogin:      {"Log in first to disconnect your Kakao account from this site.", "카카오계정 연결을 끊으려면 먼저 로그인해 주세요."},
	msgLogoutTitle:           {"Log out?", "로그아웃할까요?"},
	msgLogoutDetail:          {"You will be signed out of this site.", "이 사이트에서 로그아웃합니다."},
	msgLogoutAccountDetail:   {"You will be signed out of this site. Kakao will then ask whether to sign out of your Kakao Account too.", "이 사이트에서 로그아웃한 뒤, 카카오계정에서도 로그아웃할지 카카오가 물어봅니다."},
	msgLogoutProviderDetail:  {"You will be signed out of this site, and then at your login provider.", "이 사이트에서 로그아웃한 뒤, 로그인 서비스에서도 로그아웃합니다."},
	msgUnlinkTitle:           {"Disconnect your Kakao account?", "카카오계정 연결을 끊을까요?"},
	msgUnlinkDetail:          {"This site will lose access to your Kakao account and you will be signed out everywhere. Next time you log in, Kakao will ask for your consent again.", "이 사이트는 더 이상 카카오계정 정보를 받을 수 없고, 모든 기기에서 로그아웃됩니다. 다음에 로그인하면 카카오가 동의를 다시 요청합니다."},
	msgLoginTitle:            {"Log in to continue", "로그인이 필요합니다"},
	msgLoginDetailKakao:      {"This page is for signed-in members. Log in with your Kakao account to continue.", "로그인한 회원만 볼 수 있는 페이지입니다. 카카오계정으로 로그인해 주세요."},
	msgLoginDetail:           {"This page is for signed-in members. Log in to continue.", "로그인한 회원만 볼 수 있는 페이지입니다. 로그인해 주세요."},
	msgLoginChoose:           {"This page is for signed-in members. Choose how you want to log in.", "로그인한 회원만 볼 수 있는 페이지입니다. 로그인 방법을 선택해 주세요."},
	msgUnknownProviderTitle:  {"This way of logging in is not offered", "지원하지 않는 로그인 방법입니다"},
	msgUnknownProviderDetail: {"The login link names a provider this site does not use. Please choose one on the login page.", "이 사이트에서 사용하지 않는 로그인 방법입니다. 로그인 페이지에서 선택해 주세요."},

	msgRetryLater:               {"Please try again in a moment.", "잠시 후 다시 시도해 주세요."},
	msgRetry:                    {"Please try again.", "다시 시도해 주세요."},
	msgSomethingWrong:           {"Something went wrong", "문제가 발생했습니다"},
	msgNotFoundTitle:            {"Page not found", "페이지를 찾을 수 없습니다"},
	msgNotFoundDetail:           {"This address belongs to the sign-in service, and there is nothing here.", "로그인 기능에 쓰이는 주소이지만 이곳에는 아무 페이지도 없습니다."},
	msgMethodTitle:              {"Method not allowed", "허용되지 않는 요청입니다"},
	msgMethodDetail:             {"This address does not accept that kind of request.", "이 주소는 이런 종류의 요청을 받지 않습니다."},
	msgBadRequestTitle:          {"Bad request", "잘못된 요청입니다"},
	msgBadRequestDetail:         {"This request could not be read.", "요청을 읽을 수 없습니다."},
	msgStateTitle:               {"This sign-in link is no longer valid", "로그인 링크가 더 이상 유효하지 않습니다"},
	msgStateDetail:              {"The sign-in took too long, was already completed, or was started in another browser. Please start again.", "로그인에 시간이 너무 오래 걸렸거나, 이미 완료되었거나, 다른 브라우저에서 시작되었습니다. 처음부터 다시 시도해 주세요."},
	msgBadCallbackTitle:         {"The sign-in response was not valid", "로그인 응답이 올바르지 않습니다"},
	msgBadCallbackDetail:        {"The login provider's answer could not be used. Please start again.", "로그인 서비스의 응답을 사용할 수 없습니다. 처음부터 다시 시도해 주세요."},
	msgSignInUnavailable:        {"Sign-in is temporarily unavailable", "일시적으로 로그인할 수 없습니다"},
	msgSessionNotSaved:          {"You signed in, but we could not save your session. Please try again in a moment.", "로그인은 되었지만 세션을 저장하지 못했습니다. 잠시 후 다시 시도해 주세요."},
	msgSessionNotChecked:        {"We could not check your sign-in just now. Please try again in a moment.", "지금은 로그인 상태를 확인할 수 없습니다. 잠시 후 다시 시도해 주세요."},
	msgLogoutUnavailable:        {"Logging out is temporarily unavailable", "일시적으로 로그아웃할 수 없습니다"},
	msgSessionNotReached:        {"We could not reach your session just now. Please try again in a moment.", "지금은 세션에 연결할 수 없습니다. 잠시 후 다시 시도해 주세요."},
	msgSessionNotEnded:          {"We could not end your session just now. Please try again in a moment.", "지금은 세션을 종료할 수 없습니다. 잠시 후 다시 시도해 주세요."},
	msgLogoutFormTitle:          {"The logout form was not valid", "로그아웃 요청이 올바르지 않습니다"},
	msgLogoutCSRFTitle:          {"Logout was not confirmed", "로그아웃이 확인되지 않았습니다"},
	msgLogoutCSRFDetail:         {"The logout form had expired or did not come from this site. Please use the logout button again.", "로그아웃 양식이 만료되었거나 이 사이트에서 보낸 것이 아닙니다. 로그아웃 버튼을 다시 눌러 주세요."},
	msgUnlinkCSRFTitle:          {"Disconnecting was not confirmed", "연결 끊기가 확인되지 않았습니다"},
	msgUnlinkCSRFDetail:         {"The form had expired or did not come from this site. Please use the disconnect button again.", "양식이 만료되었거나 이 사이트에서 보낸 것이 아닙니다. 연결 끊기 버튼을 다시 눌러 주세요."},
	msgUnlinkFailedTitle:        {"Kakao could not disconnect your account", "카카오계정 연결을 끊지 못했습니다"},
	msgUnlinkFailedDetail:       {"Nothing was changed. Please try again in a moment.", "아무것도 변경되지 않았습니다. 잠시 후 다시 시도해 주세요."},
	msgProviderDownTitle:        {"The login service cannot be reached", "로그인 서비스에 연결할 수 없습니다"},
	msgProviderDownDetail:       {"We could not reach the login provider just now. Please try again in a moment.", "지금은 로그인 서비스에 연결할 수 없습니다. 잠시 후 다시 시도해 주세요."},
	msgTooManyFailedTitle:       {"Too many sign-ins failed", "로그인 실패가 너무 많습니다"},
	msgLoginBusyTitle:           {"Too many sign-ins at once", "지금 로그인하는 사람이 너무 많습니다"},
	msgTooManyFailedDetail:      {"Too many sign-ins from here failed just now. Please wait a minute and log in again.", "방금 이곳에서 로그인이 너무 많이 실패했습니다. 1분 정도 기다린 후 다시 로그인해 주세요."},
	msgProviderErrorTitle:       {"Sign-in did not complete", "로그인이 완료되지 않았습니다"},
	msgProviderErrorDetail:      {"The login provider could not complete the sign-in. Please try again.", "로그인을 처리하는 중에 문제가 생겼습니다. 다시 시도해 주세요."},
	msgProviderErrorDetailKakao: {"Kakao could not complete the sign-in. Please try again.", "카카오 로그인을 처리하는 중에 문제가 생겼습니다. 다시 시도해 주세요."},
	msgCancelledTitle:           {"Sign-in was cancelled", "로그인이 취소되었습니다"},
	msgCancelledDetail:          {"You chose not to sign in. You can try again whenever you like.", "로그인하지 않기로 하셨습니다. 언제든 다시 시도할 수 있습니다."},
	msgConfirmTitle:             {"Please sign in", "로그인해 주세요"},
	msgConfirmDetail:            {"Signing in needs your confirmation on the login page.", "로그인 화면에서 확인이 필요합니다."},
	msgScopeUnknownTitle:        {"This site asked for permissions the login provider does not offer", "이 사이트가 로그인 서비스에서 제공하지 않는 권한을 요청했습니다"},
	msgScopeUnknownDetail:       {"The site's sign-in settings need fixing. Please let the site's operator know.", "사이트의 로그인 설정을 고쳐야 합니다. 사이트 운영자에게 알려 주세요."},
	msgCodeUsedTitle:            {"This sign-in link has already been used", "이미 사용된 로그인 링크입니다"},
	msgCodeUsedDetail:           {"Sign-in codes work once and only for a few minutes. Please start again.", "로그인 코드는 몇 분 안에 한 번만 쓸 수 있습니다. 처음부터 다시 시도해 주세요."},
	msgTokenRefusedTitle:        {"The login provider refused the sign-in", "로그인 요청이 거부되었습니다"},
	msgTokenRefusedDetail:       {"The site's sign-in settings may need fixing. Please try again later or tell the site's operator.", "사이트의 로그인 설정에 문제가 있을 수 있습니다. 나중에 다시 시도하거나 사이트 운영자에게 알려 주세요."},
	msgIDTokenTitle:             {"We could not verify your sign-in", "로그인을 확인할 수 없습니다"},
	msgIDTokenDetail:            {"The sign-in could not be confirmed, so you were not signed in. Please start again.", "로그인 정보를 확인하지 못해 로그인되지 않았습니다. 처음부터 다시 시도해 주세요."},
	msgProviderBadTitle:         {"The login service did not answer properly", "로그인 서비스가 올바르게 응답하지 않았습니다"},
	msgNoScopeTitle:             {"No permission was asked for", "요청한 동의 항목이 없습니다"},
	msgNoScopeDetail:            {"This consent link does not name the permissions to ask for. Please go back and try again.", "이 동의 링크에는 요청할 항목이 없습니다. 이전 페이지로 돌아가 다시 시도해 주세요."},
	msgConsentTitle:             {"This page needs your permission", "추가 동의가 필요합니다"},
	msgConsentDetail:            {"The page needs permissions you did not grant. You can grant them and try again.", "이 페이지를 이용하려면 아직 동의하지 않은 항목에 동의해야 합니다. 동의하면 바로 이어서 이용할 수 있습니다."},
	msgDeniedTitle:              {"You don't have access to this area", "이 영역에 접근할 권한이 없습니다"},
	msgDeniedDetail:             {"You are signed in, but this part of the site is limited to certain accounts. If you think this is a mistake, contact the site's operator.", "로그인은 되었지만 이 영역은 일부 계정만 이용할 수 있습니다. 잘못된 것 같다면 사이트 운영자에게 문의해 주세요."},

	msgLoopTitle:  {"Your browser is not keeping the login", "브라우저에 로그인이 유지되지 않습니다"},
	msgLoopDetail: {"You logged in several times just now, but this browser came back without the login each time, so we stopped here instead of sending you round again. Cookies may be blocked for this site (private mode, an in-app browser's settings or an extension): allow them and try again. If this keeps happening, tell the site's operator the request id below.", "방금 여러 번 로그인했지만 이 브라우저가 매번 로그인 정보 없이 돌아와서, 같은 과정을 반복하지 않도록 여기서 멈췄습니다. 이 사이트의 쿠키가 차단되어 있을 수 있습니다(시크릿 모드, 인앱 브라우저 설정, 확장 프로그램 등). 쿠키를 허용한 뒤 다시 시도해 주세요. 계속 반복되면 아래 요청 ID를 사이트 운영자에게 알려 주세요."},

	msgScopeNickname:    {"Nickname", "닉네임"},
	msgScopeImage:       {"Profile picture", "프로필 사진"},
	msgScopeEmail:       {"Email address (Kakao Account)", "카카오계정(이메일)"},
	msgScopeName:        {"Name", "이름"},
	msgScopeGender:      {"Gender", "성별"},
	msgScopeAgeRange:    {"Age range", "연령대"},
	msgScopeBirthday:    {"Birthday", "생일"},
	msgScopeBirthyear:   {"Year of birth", "출생 연도"},
	msgScopePhone:       {"Phone number (Kakao Account)", "카카오계정(전화번호)"},
	msgScopeTalkMessage: {"Send KakaoTalk messages to me", "카카오톡 메시지 전송"},
	msgScopeFriends:     {"Friends list in Kakao services", "카카오 서비스 내 친구목록"},
	msgScopeShipping:    {"Shipping address", "배송지 정보"},

	msgConsentDeclinedTitle:     {"You are still logged in", "로그인은 그대로 유지됩니다"},
	msgConsentDeclinedDetail:    {"You chose not to grant the extra permissions. This part of the site needs them, so it stays closed until you grant them; the rest of the site works as before.", "추가 항목에 동의하지 않으셨습니다. 이 영역은 그 항목에 동의해야 이용할 수 있어 아직 열리지 않습니다. 사이트의 다른 부분은 지금처럼 이용할 수 있습니다."},
	msgConsentUnavailableTitle:  {"Your Kakao account does not have what this area needs", "이 영역에 필요한 정보가 카카오계정에 없습니다"},
	msgConsentUnavailableDetail: {"This part of the site needs the information listed below, and your Kakao account does not hold it, so Kakao cannot share it. Add it to your Kakao account and try again, or contact the site's operator. You are still logged in.", "이 영역을 이용하려면 아래 정보가 필요하지만 카카오계정에 등록되어 있지 않아 카카오가 제공할 수 없습니다. 카카오계정에 정보를 추가한 뒤 다시 시도하거나 사이트 운영자에게 문의해 주세요. 로그인은 그대로 유지됩니다."},

	msgSignUp:                  {"Agree and sign up", "동의하고 가입하기"},
	msgSignupTitle:             {"Finish signing up?", "가입을 완료할까요?"},
	msgSignupDetail:            {"Your Kakao account will be connected to this site as a member. You can disconnect it at any time.", "카카오계정을 이 사이트의 회원으로 연결합니다. 연결은 언제든지 끊을 수 있습니다."},
	msgSignupNeedsLogin:        {"Log in first to finish signing up.", "가입을 완료하려면 먼저 로그인해 주세요."},
	msgSignupCSRFTitle:         {"Signing up was not confirmed", "가입이 확인되지 않았습니다"},
	msgSignupCSRFDetail:        {"The form had expired or did not come from this site. Please use the sign-up button again.", "양식이 만료되었거나 이 사이트에서 보낸 것이 아닙니다. 가입 버튼을 다시 눌러 주세요."},
	msgSignupNotKakaoTitle:     {"Signing up here is for Kakao accounts", "카카오계정으로 로그인한 경우에만 가입할 수 있습니다"},
	msgSignupNotKakaoDetail:    {"You are logged in with another login service, which needs no sign-up here.", "다른 로그인 서비스로 로그인하셨기 때문에 여기서 가입할 필요가 없습니다."},
	msgSignupUnavailableTitle:  {"Signing up is temporarily unavailable", "일시적으로 가입할 수 없습니다"},
	msgSignupUnavailableDetail: {"We could not reach Kakao just now, so nothing was changed. Please try again in a moment.", "지금은 카카오에 연결할 수 없어 아무것도 변경되지 않았습니다. 잠시 후 다시 시도해 주세요."},
	msgSignupNotSavedDetail:    {"Kakao has completed your sign-up, but we could not update your session just now. Please try again in a moment.", "카카오 가입은 완료되었지만 지금은 로그인 정보를 갱신할 수 없습니다. 잠시 후 다시 시도해 주세요."},
	msgSignupFailedTitle:       {"Kakao did not complete the sign-up", "카카오가 가입을 완료하지 못했습니다"},
	msgSignupFailedDetail:      {"Nothing was changed. If this keeps happening, tell the site's operator the request id below.", "아무것도 변경되지 않았습니다. 계속 반복되면 아래 요청 ID를 사이트 운영자에게 알려 주세요."},
	msgSignupExpiredTitle:      {"Please log in again to sign up", "가입하려면 다시 로그인해 주세요"},
	msgSignupExpiredDetail:     {"Your login with Kakao has expired. Log in again and you will come back here.", "카카오 로그인이 만료되었습니다. 다시 로그인하면 이 화면으로 돌아옵니다."},
}

// scopeNames are the display names of Kakao's consent items; other scopes show their id.
var scopeNames = map[string]msgID{
	"profile_nickname": msgScopeNickname,
	"profile_image":    msgScopeImage,
	"account_email":    msgScopeEmail,
	"name":             msgScopeName,
	"gender":           msgScopeGender,
	"age_range":        msgScopeAgeRange,
	"birthday":         msgScopeBirthday,
	"birthyear":        msgScopeBirthyear,
	"phone_number":     msgScopePhone,
	"talk_message":     msgScopeTalkMessage,
	"friends":          msgScopeFriends,
	"shipping_address": msgScopeShipping,
}

// scopeDisplayNames names scopes for people in l, leaving out openid (not a consent item).
func scopeDisplayNames(scopes []string, l locale) []string {
	var out []string
	for _, s := range scopes {
		if s == "openid" {
			continue
		}
		if id, ok := scopeNames[s]; ok {
			out = append(out, id.in(l))
		} else {
			out = append(out, s)
		}
	}
	return out
}

package kakaotest

import (
	"slices"
	"strings"
	"unicode"
)

// scopeOpenID is the OpenID Connect scope: not a consent item, but it decides
// whether an ID token is issued.
const scopeOpenID = "openid"

// scopeInfo describes one scope (consent item) the emulated app uses.
type scopeInfo struct {
	// id is the scope id used in the scope parameter, e.g. account_email.
	id string
	// displayName is the name Kakao shows (and /v2/user/scopes returns).
	displayName string
	// kind is PRIVACY or SERVICE; empty for openid.
	kind string
	// required items are always agreed when a consent is agreed and are not
	// revocable.
	required bool
	// obtainable reports whether the user has a value for the item; items
	// without a value are never shown or agreed (*_needs_agreement false,
	// value absent: "not obtainable").
	obtainable func(u *User) bool
}

// scopeCatalog lists every scope the emulator knows, in the order they are
// shown and reported.
var scopeCatalog = []scopeInfo{
	{id: scopeOpenID, displayName: "OpenID Connect", obtainable: func(*User) bool { return true }},
	{id: "profile_nickname", displayName: "닉네임", kind: "PRIVACY", required: true,
		obtainable: func(u *User) bool { return u.Nickname != "" }},
	{id: "profile_image", displayName: "프로필 사진", kind: "PRIVACY",
		obtainable: func(u *User) bool { return u.ProfileImageURL != "" }},
	{id: "account_email", displayName: "카카오계정(이메일)", kind: "PRIVACY",
		obtainable: func(u *User) bool { return u.Email != "" }},
	{id: "name", displayName: "이름", kind: "PRIVACY",
		obtainable: func(u *User) bool { return u.Name != "" }},
	{id: "gender", displayName: "성별", kind: "PRIVACY",
		obtainable: func(u *User) bool { return u.Gender != "" }},
	{id: "age_range", displayName: "연령대", kind: "PRIVACY",
		obtainable: func(u *User) bool { return u.AgeRange != "" }},
	{id: "birthday", displayName: "생일", kind: "PRIVACY",
		obtainable: func(u *User) bool { return u.Birthday != "" }},
	{id: "birthyear", displayName: "출생 연도", kind: "PRIVACY",
		obtainable: func(u *User) bool { return u.Birthyear != "" }},
	{id: "phone_number", displayName: "카카오계정(전화번호)", kind: "PRIVACY",
		obtainable: func(u *User) bool { return u.PhoneNumber != "" }},
	{id: "talk_message", displayName: "카카오톡 메시지 전송", kind: "SERVICE",
		obtainable: func(*User) bool { return true }},
}

// lookupScope returns the catalog entry of id.
func lookupScope(id string) (scopeInfo, bool) {
	for _, s := range scopeCatalog {
		if s.id == id {
			return s, true
		}
	}
	return scopeInfo{}, false
}

// catalogConsentItems lists every consent item the emulator knows (openid
// is not a consent item), the default of Options.ConsentItems.
func catalogConsentItems() []string {
	var out []string
	for _, s := range scopeCatalog {
		if s.id != scopeOpenID {
			out = append(out, s.id)
		}
	}
	return out
}

// parseScopeParam splits the scope parameter, comma- or space-separated
// (Kakao documents commas; its own SDKs send spaces and Kakao takes both).
// Empty items and repeats are skipped.
func parseScopeParam(raw string) []string {
	var out []string
	for _, item := range strings.FieldsFunc(raw, func(r rune) bool { return r == ',' || unicode.IsSpace(r) }) {
		if !slices.Contains(out, item) {
			out = append(out, item)
		}
	}
	return out
}

// notConsentItem returns the first scope that is not one of the app's
// consent items (openid aside): Kakao answers it with KOE205.
func (e *Emulator) notConsentItem(scopes []string) (string, bool) {
	for _, s := range scopes {
		if s != scopeOpenID && !slices.Contains(e.opts.ConsentItems, s) {
			return s, true
		}
	}
	return "", false
}

// orderScopes returns the members of set in catalog order.
func orderScopes(set map[string]bool) []string {
	var out []string
	for _, s := range scopeCatalog {
		if set[s.id] {
			out = append(out, s.id)
		}
	}
	return out
}

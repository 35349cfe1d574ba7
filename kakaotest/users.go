package kakaotest

import (
	"slices"
	"strings"
	"time"
)

// User is a Kakao Account the emulator can sign in as. Empty fields are
// items the account does not have: they are never shown on the consent
// screen and never returned ("not obtainable").
type User struct {
	// ID is the app-scoped user id (회원번호), also the OIDC sub.
	ID int64
	// Nickname is the profile nickname (scope profile_nickname).
	Nickname string
	// ProfileImageURL is the 640×640 profile image (scope profile_image).
	// The thumbnail URL is derived from it. Use http:// URLs: Kakao returns
	// https only when secure_resource=true is asked for.
	ProfileImageURL string
	// Name is the real name (scope name).
	Name string
	// Email is the Kakao Account email (scope account_email).
	Email string
	// EmailValid is false when the email was taken over by another account.
	EmailValid bool
	// EmailVerified reports a verified email.
	EmailVerified bool
	// AgeRange is one of Kakao's ranges, e.g. 20~29 (scope age_range).
	AgeRange string
	// Gender is female or male (scope gender).
	Gender string
	// Birthyear is YYYY (scope birthyear).
	Birthyear string
	// Birthday is MMDD (scope birthday), a SOLAR date.
	Birthday string
	// PhoneNumber is e.g. +82 10-1234-5678 (scope phone_number).
	PhoneNumber string
	// Properties are the app's custom user properties, returned under
	// /v2/user/me "properties" as given: strings, numbers or booleans (the
	// app defines them in the console; no consent is needed).
	Properties map[string]any
}

// DefaultUsers returns the four test users, all unlinked at start:
//
//   - 1001 "Ryan": every item, valid and verified email, female, 20~29.
//   - 1002 "Muzi": no email.
//   - 1003 "Neo": an unverified email.
//   - 1004 "어피치": a second full user (male, 30~39) with a non-ASCII nickname.
func DefaultUsers() []User {
	return []User{
		{
			ID: 1001, Nickname: "Ryan", ProfileImageURL: cdnImage(1001), Name: "Ryan Kim",
			Email: "ryan@example.com", EmailValid: true, EmailVerified: true,
			AgeRange: "20~29", Gender: "female", Birthyear: "1998", Birthday: "0101",
			PhoneNumber: "+82 10-1234-5678",
		},
		{
			ID: 1002, Nickname: "Muzi", ProfileImageURL: cdnImage(1002),
			AgeRange: "30~39", Gender: "male",
		},
		{
			ID: 1003, Nickname: "Neo", ProfileImageURL: cdnImage(1003),
			Email: "neo@example.com", EmailValid: true, EmailVerified: false,
			AgeRange: "20~29", Gender: "female",
		},
		{
			ID: 1004, Nickname: "어피치", ProfileImageURL: cdnImage(1004), Name: "Apeach Park",
			Email: "apeach@example.com", EmailValid: true, EmailVerified: true,
			AgeRange: "30~39", Gender: "male", Birthyear: "1990", Birthday: "1231",
			PhoneNumber: "+82 10-9876-5432",
		},
	}
}

// cdnImage returns a Kakao-CDN-like profile image URL for id. The URL is
// never fetched.
func cdnImage(id int64) string {
	return "http://k.kakaocdn.net/dn/kakaotest/" + itoa(id) + "/img_640x640.jpg"
}

// thumbnailURL returns the 110×110 thumbnail of the profile image.
func (u *User) thumbnailURL() string {
	return strings.Replace(u.ProfileImageURL, "img_640x640", "img_110x110", 1)
}

// userState is what the emulated app knows of a user: the link and the
// agreed consent items.
type userState struct {
	// user is the account itself.
	user User
	// linked is true once the user agreed to a consent screen.
	linked bool
	// connectedAt is when the user was linked.
	connectedAt time.Time
	// signedUp is has_signed_up when auto-link is off.
	signedUp bool
	// agreed maps agreed scope ids to when they were agreed.
	agreed map[string]time.Time
	// consentItems are the app's consent items (Options.ConsentItems).
	consentItems []string
}

// pendingScopes returns the consentable scopes of requested that the user
// has not agreed yet, in catalog order (openid is never a consent item).
func (s *userState) pendingScopes(requested []string) []scopeInfo {
	var out []scopeInfo
	for _, info := range scopeCatalog {
		if info.id == scopeOpenID || !slices.Contains(requested, info.id) {
			continue
		}
		if _, ok := s.agreed[info.id]; ok || !info.obtainable(&s.user) {
			continue
		}
		out = append(out, info)
	}
	return out
}

// hasAgreed reports whether the scope is agreed.
func (s *userState) hasAgreed(scope string) bool {
	_, ok := s.agreed[scope]
	return ok
}

// needsAgreement is Kakao's *_needs_agreement flag: the item is one of the
// app's consent items, obtainable, and not agreed. An item the app has not
// set up is false: no consent can reveal it [unconfirmed: Kakao may leave the
// flag out].
func (s *userState) needsAgreement(scope string) bool {
	info, ok := lookupScope(scope)
	return ok && slices.Contains(s.consentItems, scope) && info.obtainable(&s.user) && !s.hasAgreed(scope)
}

// grantedScopes returns the agreed scopes in catalog order, with openid
// added when withOpenID is set.
func (s *userState) grantedScopes(withOpenID bool) []string {
	set := make(map[string]bool, len(s.agreed)+1)
	for id := range s.agreed {
		set[id] = true
	}
	if withOpenID {
		set[scopeOpenID] = true
	}
	return orderScopes(set)
}

package kakao

import (
	"sort"
	"strconv"
	"strings"
)

// needsAgreementSuffix ends every consent flag of kakao_account.
const needsAgreementSuffix = "_needs_agreement"

// maxItemLen bounds the item name of a consent flag that becomes a claim name.
const maxItemLen = 64

// Claims flattens the user into the gateway's claim map:
//
//   - "id" and "sub": the user id in decimal (identity needs nothing else);
//   - "nickname"; "picture" (the thumbnail) and "profile_image" (the large image);
//   - "email" and "email_verified"="true", only when the address is valid and
//     verified (an unverified or taken-over address is left out entirely);
//   - "name", "age_range", "gender", "birthyear", "birthday", "phone_number"
//     when present;
//   - "has_signed_up" ("true"/"false") when present;
//   - "<item>_needs_agreement" ("true"/"false") for every consent flag Kakao
//     sent, e.g. "email_needs_agreement";
//   - "properties.<key>" for each of the app's custom properties, as text
//     (the profile copies nickname, profile_image and thumbnail_image left
//     out).
//
// Values are copied as Kakao sent them. A nil User yields nil.
func (u *User) Claims() map[string]string {
	if u == nil {
		return nil
	}
	id := strconv.FormatInt(u.ID, 10)
	c := map[string]string{"id": id, "sub": id}
	if u.HasSignedUp != nil {
		c["has_signed_up"] = strconv.FormatBool(*u.HasSignedUp)
	}
	addPropertyClaims(c, u.Properties)
	a := u.KakaoAccount
	if a == nil {
		return c
	}
	if p := a.Profile; p != nil {
		setIf(c, "nickname", p.Nickname)
		setIf(c, "picture", p.ThumbnailImageURL)
		setIf(c, "profile_image", p.ProfileImageURL)
	}
	if email := a.VerifiedEmail(); email != "" {
		c["email"] = email
		c["email_verified"] = "true"
	}
	setIf(c, "name", a.Name)
	setIf(c, "age_range", a.AgeRange)
	setIf(c, "gender", a.Gender)
	setIf(c, "birthyear", a.Birthyear)
	setIf(c, "birthday", a.Birthday)
	setIf(c, "phone_number", a.PhoneNumber)
	for item, flag := range a.flags() {
		c[item+needsAgreementSuffix] = strconv.FormatBool(flag)
	}
	return c
}

// flags returns the consent flags: NeedsAgreement when decoded from JSON,
// otherwise those of the typed fields (for an Account built in code).
func (a *Account) flags() map[string]bool {
	if a.NeedsAgreement != nil {
		return a.NeedsAgreement
	}
	m := make(map[string]bool)
	for item, p := range map[string]*bool{
		"profile":          a.ProfileNeedsAgreement,
		"profile_nickname": a.ProfileNicknameNeedsAgreement,
		"profile_image":    a.ProfileImageNeedsAgreement,
		"name":             a.NameNeedsAgreement,
		"email":            a.EmailNeedsAgreement,
		"age_range":        a.AgeRangeNeedsAgreement,
		"birthyear":        a.BirthyearNeedsAgreement,
		"birthday":         a.BirthdayNeedsAgreement,
		"gender":           a.GenderNeedsAgreement,
		"phone_number":     a.PhoneNumberNeedsAgreement,
		"ci":               a.CINeedsAgreement,
	} {
		if p != nil {
			m[item] = *p
		}
	}
	return m
}

// NeedsAgreement lists, sorted, the items whose "<item>_needs_agreement"
// claim is "true": the data the user could still consent to (see
// [ConsentScopes] to ask for it).
func NeedsAgreement(claims map[string]string) []string {
	var items []string
	for key, v := range claims {
		if item, ok := needsAgreementItem(key); ok && v == "true" {
			items = append(items, item)
		}
	}
	sort.Strings(items)
	return items
}

// needsAgreementItem returns the item of a "<item>_needs_agreement" key when
// the item is a plausible claim name: 1–64 bytes of [a-z0-9_].
func needsAgreementItem(key string) (string, bool) {
	item, ok := strings.CutSuffix(key, needsAgreementSuffix)
	if !ok || item == "" || len(item) > maxItemLen {
		return "", false
	}
	for i := 0; i < len(item); i++ {
		c := item[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return "", false
		}
	}
	return item, true
}

// setIf sets c[k] = v when v is not empty.
func setIf(c map[string]string, k, v string) {
	if v != "" {
		c[k] = v
	}
}

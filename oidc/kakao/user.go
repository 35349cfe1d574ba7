package kakao

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// User is the user object of GET /v2/user/me. Fields the user has not
// consented to are absent (nil or empty). Times that Kakao sends in a format
// this package cannot read are left nil rather than failing the call.
type User struct {
	// ID is the app-scoped user number (회원번호); always positive.
	ID int64 `json:"id"`
	// HasSignedUp is present only when the app's auto-link is off; false
	// means the user is preregistered and must be linked with Signup.
	HasSignedUp *bool `json:"has_signed_up,omitempty"`
	// ConnectedAt is when the user linked to the app.
	ConnectedAt *time.Time `json:"connected_at,omitempty"`
	// SynchedAt is when the user signed up through Kakao Sync.
	SynchedAt *time.Time `json:"synched_at,omitempty"`
	// Properties are the app's custom user properties, each value as text
	// (numbers and booleans as written; see [PropertyClaimPrefix]).
	Properties map[string]string `json:"properties,omitempty"`
	// ForPartner carries partner-only data such as the uuid.
	ForPartner *ForPartner `json:"for_partner,omitempty"`
	// KakaoAccount holds the Kakao Account items and their consent flags.
	KakaoAccount *Account `json:"kakao_account,omitempty"`
}

// ForPartner is the "for_partner" group of the user object.
type ForPartner struct {
	// UUID is the partner-scoped user identifier.
	UUID string `json:"uuid,omitempty"`
}

// Profile is kakao_account.profile.
type Profile struct {
	// Nickname is the profile nickname.
	Nickname string `json:"nickname,omitempty"`
	// ThumbnailImageURL is the 110×110 (or 100×100) profile image.
	ThumbnailImageURL string `json:"thumbnail_image_url,omitempty"`
	// ProfileImageURL is the 640×640 (or 480×480) profile image.
	ProfileImageURL string `json:"profile_image_url,omitempty"`
	// IsDefaultImage reports whether the image is Kakao's default picture.
	IsDefaultImage *bool `json:"is_default_image,omitempty"`
	// IsDefaultNickname reports whether the nickname is Kakao's default.
	IsDefaultNickname *bool `json:"is_default_nickname,omitempty"`
}

// Account is the "kakao_account" group of the user object. Each item comes
// with a *NeedsAgreement flag: true means the value can be had after
// (additional) consent; false with the value absent means it cannot be had.
type Account struct {
	// ProfileNeedsAgreement is the legacy combined profile flag.
	ProfileNeedsAgreement *bool `json:"profile_needs_agreement,omitempty"`
	// ProfileNicknameNeedsAgreement is the nickname's consent flag.
	ProfileNicknameNeedsAgreement *bool `json:"profile_nickname_needs_agreement,omitempty"`
	// ProfileImageNeedsAgreement is the profile image's consent flag.
	ProfileImageNeedsAgreement *bool `json:"profile_image_needs_agreement,omitempty"`
	// Profile is the nickname and images.
	Profile *Profile `json:"profile,omitempty"`

	// NameNeedsAgreement is the name's consent flag.
	NameNeedsAgreement *bool `json:"name_needs_agreement,omitempty"`
	// Name is the user's name.
	Name string `json:"name,omitempty"`

	// EmailNeedsAgreement is the email's consent flag.
	EmailNeedsAgreement *bool `json:"email_needs_agreement,omitempty"`
	// IsEmailValid is false when the address was taken over by another account.
	IsEmailValid *bool `json:"is_email_valid,omitempty"`
	// IsEmailVerified reports whether the address was verified.
	IsEmailVerified *bool `json:"is_email_verified,omitempty"`
	// Email is the Kakao Account email; trust it only when valid and verified
	// (see [Account.VerifiedEmail]).
	Email string `json:"email,omitempty"`

	// AgeRangeNeedsAgreement is the age range's consent flag.
	AgeRangeNeedsAgreement *bool `json:"age_range_needs_agreement,omitempty"`
	// AgeRange is one of "1~9", "10~14", "15~19", "20~29", …, "80~89", "90~".
	AgeRange string `json:"age_range,omitempty"`

	// BirthyearNeedsAgreement is the birth year's consent flag.
	BirthyearNeedsAgreement *bool `json:"birthyear_needs_agreement,omitempty"`
	// Birthyear is "YYYY".
	Birthyear string `json:"birthyear,omitempty"`
	// BirthdayNeedsAgreement is the birthday's consent flag.
	BirthdayNeedsAgreement *bool `json:"birthday_needs_agreement,omitempty"`
	// Birthday is "MMDD".
	Birthday string `json:"birthday,omitempty"`
	// BirthdayType is "SOLAR" or "LUNAR".
	BirthdayType string `json:"birthday_type,omitempty"`
	// IsLeapMonth reports a lunar leap-month birthday.
	IsLeapMonth *bool `json:"is_leap_month,omitempty"`

	// GenderNeedsAgreement is the gender's consent flag.
	GenderNeedsAgreement *bool `json:"gender_needs_agreement,omitempty"`
	// Gender is "female" or "male".
	Gender string `json:"gender,omitempty"`

	// PhoneNumberNeedsAgreement is the phone number's consent flag.
	PhoneNumberNeedsAgreement *bool `json:"phone_number_needs_agreement,omitempty"`
	// PhoneNumber is e.g. "+82 10-1234-5678".
	PhoneNumber string `json:"phone_number,omitempty"`

	// CINeedsAgreement is the CI's consent flag.
	CINeedsAgreement *bool `json:"ci_needs_agreement,omitempty"`
	// CI is the connecting-information value.
	CI string `json:"ci,omitempty"`
	// CIAuthenticatedAt is when the CI was verified.
	CIAuthenticatedAt *time.Time `json:"ci_authenticated_at,omitempty"`

	// NeedsAgreement holds every "<item>_needs_agreement" flag the answer
	// carried, keyed by item (e.g. "email", "profile_nickname"), including
	// items this struct has no field for.
	NeedsAgreement map[string]bool `json:"-"`
}

// VerifiedEmail returns the email only when Kakao marks it both valid and
// verified, and "" otherwise.
func (a *Account) VerifiedEmail() string {
	if a == nil || a.Email == "" || !isTrue(a.IsEmailValid) || !isTrue(a.IsEmailVerified) {
		return ""
	}
	return a.Email
}

// UserMe calls GET /v2/user/me with the user's access token. propertyKeys,
// when non-empty, is sent as Kakao's JSON-array property_keys parameter (e.g.
// "kakao_account.email") to ask only for those items. Image URLs are asked
// for as https (secure_resource=true). An answer without a positive id is an
// error.
func (a *API) UserMe(ctx context.Context, accessToken string, propertyKeys []string) (*User, error) {
	cred, err := bearer(accessToken)
	if err != nil {
		return nil, err
	}
	params := url.Values{"secure_resource": {"true"}}
	if len(propertyKeys) > 0 {
		keys, err := json.Marshal(propertyKeys)
		if err != nil {
			return nil, fmt.Errorf("kakao: encoding property_keys: %w", err)
		}
		params.Set("property_keys", string(keys))
	}
	var u User
	if err := a.call(ctx, http.MethodGet, "/v2/user/me", cred, params, &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// errNoID reports a user object without a usable id.
var errNoID = errors.New("kakao: user object has no positive id")

// UnmarshalJSON decodes a user object, requiring a positive id and reading
// times and properties leniently.
func (u *User) UnmarshalJSON(b []byte) error {
	type plain User
	var w struct {
		*plain
		ID          *int64         `json:"id"`
		ConnectedAt lenientTime    `json:"connected_at"`
		SynchedAt   lenientTime    `json:"synched_at"`
		Properties  textProperties `json:"properties"`
	}
	var tmp User
	w.plain = (*plain)(&tmp)
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	if w.ID == nil || *w.ID <= 0 {
		return errNoID
	}
	tmp.ID = *w.ID
	tmp.ConnectedAt = w.ConnectedAt.t
	tmp.SynchedAt = w.SynchedAt.t
	tmp.Properties = w.Properties
	*u = tmp
	return nil
}

// UnmarshalJSON decodes kakao_account, collecting every *_needs_agreement
// flag into NeedsAgreement.
func (a *Account) UnmarshalJSON(b []byte) error {
	type plain Account
	var w struct {
		*plain
		CIAuthenticatedAt lenientTime `json:"ci_authenticated_at"`
	}
	var tmp Account
	w.plain = (*plain)(&tmp)
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	tmp.CIAuthenticatedAt = w.CIAuthenticatedAt.t
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(b, &fields); err != nil {
		return err
	}
	for key, raw := range fields {
		item, ok := needsAgreementItem(key)
		if !ok {
			continue
		}
		var flag bool
		if json.Unmarshal(raw, &flag) != nil {
			continue
		}
		if tmp.NeedsAgreement == nil {
			tmp.NeedsAgreement = make(map[string]bool)
		}
		tmp.NeedsAgreement[item] = flag
	}
	*a = tmp
	return nil
}

// lenientTime reads an RFC 3339 time, or one without a zone (taken as UTC);
// anything else (or null) leaves it nil.
type lenientTime struct{ t *time.Time }

// UnmarshalJSON never fails: a malformed or non-string time is left nil.
func (l *lenientTime) UnmarshalJSON(b []byte) error {
	var s *string
	if err := json.Unmarshal(b, &s); err != nil || s == nil {
		return nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, *s); err == nil {
			t = t.UTC()
			l.t = &t
			return nil
		}
	}
	return nil
}

// isTrue reports whether b is set and true.
func isTrue(b *bool) bool { return b != nil && *b }

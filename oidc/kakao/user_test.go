package kakao

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"reflect"
	"testing"
	"time"
)

func TestUserMeClaims(t *testing.T) {
	tests := []struct {
		name    string
		fixture string
		want    map[string]string
	}{
		{
			name:    "full consent maps every item and a valid verified email",
			fixture: "user_me_full.json",
			want: map[string]string{
				"id": "123456789", "sub": "123456789",
				"nickname":      "홍길동",
				"picture":       "https://k.kakaocdn.net/dn/abc/img_110x110.jpg",
				"profile_image": "https://k.kakaocdn.net/dn/abc/img_640x640.jpg",
				"email":         "sample@sample.com", "email_verified": "true",
				"name": "홍길동", "age_range": "20~29", "gender": "female",
				"birthyear": "2002", "birthday": "1130", "phone_number": "+82 10-1234-5678",
				"profile_nickname_needs_agreement": "false", "profile_image_needs_agreement": "false",
				"name_needs_agreement": "false", "email_needs_agreement": "false",
				"age_range_needs_agreement": "false", "birthyear_needs_agreement": "false",
				"birthday_needs_agreement": "false", "gender_needs_agreement": "false",
				"phone_number_needs_agreement": "false", "ci_needs_agreement": "false",
				"properties.custom_key": "custom value",
			},
		},
		{
			name:    "identity works with no email at all",
			fixture: "user_me_no_email.json",
			want: map[string]string{
				"id": "1002", "sub": "1002", "nickname": "이메일없음",
				"profile_nickname_needs_agreement": "false", "email_needs_agreement": "false",
			},
		},
		{
			name:    "an unverified email is left out",
			fixture: "user_me_unverified_email.json",
			want: map[string]string{
				"id": "1003", "sub": "1003", "nickname": "미인증",
				"profile_nickname_needs_agreement": "false", "email_needs_agreement": "false",
			},
		},
		{
			name:    "an invalid (taken-over) email is left out even if verified",
			fixture: "user_me_invalid_email.json",
			want:    map[string]string{"id": "1005", "sub": "1005", "email_needs_agreement": "false"},
		},
		{
			name:    "needs_agreement flags become true/false claims",
			fixture: "user_me_needs_agreement.json",
			want: map[string]string{
				"id": "1006", "sub": "1006", "nickname": "동의필요",
				"profile_nickname_needs_agreement": "false", "profile_image_needs_agreement": "true",
				"email_needs_agreement": "true", "age_range_needs_agreement": "true",
				"gender_needs_agreement": "false", "birthday_needs_agreement": "true",
				"phone_number_needs_agreement": "false",
			},
		},
		{
			name:    "a preregistered user carries has_signed_up=false and the legacy profile flag",
			fixture: "user_me_preregistered.json",
			want: map[string]string{
				"id": "1007", "sub": "1007", "nickname": "사전가입", "has_signed_up": "false",
				"email": "prereg@sample.com", "email_verified": "true",
				"profile_needs_agreement": "false", "email_needs_agreement": "false",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeKapi(t, answer{body: fixture(t, tt.fixture)})
			u, err := f.api().UserMe(context.Background(), testToken, nil)
			if err != nil {
				t.Fatalf("UserMe: %v", err)
			}
			if got := u.Claims(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Claims mismatch\n got  %v\n want %v", got, tt.want)
			}
		})
	}
}

func TestUserMeDecodesTheDocumentedObject(t *testing.T) {
	f := newFakeKapi(t, answer{body: fixture(t, "user_me_full.json")})
	u, err := f.api().UserMe(context.Background(), testToken, nil)
	if err != nil {
		t.Fatal(err)
	}
	a := u.KakaoAccount
	switch {
	case u.ConnectedAt == nil || !u.ConnectedAt.Equal(time.Date(2022, 4, 11, 1, 45, 28, 0, time.UTC)):
		t.Errorf("ConnectedAt = %v", u.ConnectedAt)
	case u.Properties["custom_key"] != "custom value" || u.ForPartner == nil || u.ForPartner.UUID != "UUID-VALUE":
		t.Errorf("properties %v, for_partner %+v", u.Properties, u.ForPartner)
	case a == nil || a.CI != "CI-VALUE" || a.CIAuthenticatedAt == nil || a.BirthdayType != "SOLAR" || a.IsLeapMonth == nil:
		t.Errorf("kakao_account %+v", a)
	case a.Profile == nil || a.Profile.IsDefaultNickname == nil || *a.Profile.IsDefaultImage:
		t.Errorf("profile %+v", a.Profile)
	case a.VerifiedEmail() != "sample@sample.com":
		t.Errorf("VerifiedEmail = %q", a.VerifiedEmail())
	case u.HasSignedUp != nil:
		t.Errorf("HasSignedUp = %v, want absent", *u.HasSignedUp)
	}
}

func TestUserMeRequest(t *testing.T) {
	tests := []struct {
		name  string
		keys  []string
		wantQ url.Values
	}{
		{"no property_keys when none are asked for", nil, url.Values{"secure_resource": {"true"}}},
		{"property_keys is a JSON array string", []string{"kakao_account.email", "kakao_account.profile"},
			url.Values{"secure_resource": {"true"}, "property_keys": {`["kakao_account.email","kakao_account.profile"]`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeKapi(t, answer{body: `{"id":1}`})
			if _, err := f.api().UserMe(context.Background(), testToken, tt.keys); err != nil {
				t.Fatal(err)
			}
			got, err := url.ParseQuery(f.only(t).rawQuery)
			if err != nil || !reflect.DeepEqual(got, tt.wantQ) {
				t.Errorf("query = %v (%v), want %v", got, err, tt.wantQ)
			}
		})
	}
}

func TestUserMeRejectsAnswersWithoutAnID(t *testing.T) {
	for name, body := range map[string]string{
		"documented shape minus id": "", // filled from the fixture below
		"id zero":                   `{"id":0}`,
		"negative id":               `{"id":-5}`,
		"id as string":              `{"id":"123"}`,
		"id null":                   `{"id":null}`,
		"id overflowing int64":      `{"id":92233720368547758070}`,
		"not an object":             `[1,2]`,
	} {
		t.Run(name, func(t *testing.T) {
			if body == "" {
				body = fixture(t, "user_me_no_id.json")
			}
			f := newFakeKapi(t, answer{body: body})
			u, err := f.api().UserMe(context.Background(), testToken, nil)
			if err == nil {
				t.Fatalf("accepted %s as user %+v", body, u)
			}
			if IsTransient(err) {
				t.Errorf("a malformed user object must not be transient: %v", err)
			}
		})
	}
	var u User
	if err := json.Unmarshal([]byte(`{}`), &u); !errors.Is(err, errNoID) {
		t.Errorf("empty object: err = %v, want errNoID", err)
	}
}

func TestLenientTimes(t *testing.T) {
	tests := []struct {
		name string
		json string
		want *time.Time
	}{
		{"RFC 3339 UTC", `{"id":1,"connected_at":"2022-04-11T01:45:28Z"}`, ptrTime(time.Date(2022, 4, 11, 1, 45, 28, 0, time.UTC))},
		{"RFC 3339 with offset is normalised to UTC", `{"id":1,"connected_at":"2022-04-11T10:45:28+09:00"}`, ptrTime(time.Date(2022, 4, 11, 1, 45, 28, 0, time.UTC))},
		{"no zone is read as UTC", `{"id":1,"connected_at":"2022-04-11T01:45:28"}`, ptrTime(time.Date(2022, 4, 11, 1, 45, 28, 0, time.UTC))},
		{"garbage is ignored, not fatal", `{"id":1,"connected_at":"yesterday"}`, nil},
		{"a number is ignored, not fatal", `{"id":1,"connected_at":1649641528}`, nil},
		{"null", `{"id":1,"connected_at":null}`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var u User
			if err := json.Unmarshal([]byte(tt.json), &u); err != nil {
				t.Fatal(err)
			}
			if (u.ConnectedAt == nil) != (tt.want == nil) || (tt.want != nil && !u.ConnectedAt.Equal(*tt.want)) {
				t.Errorf("ConnectedAt = %v, want %v", u.ConnectedAt, tt.want)
			}
		})
	}
}

func ptrTime(t time.Time) *time.Time { return &t }

func TestEveryNeedsAgreementFlagIsKept(t *testing.T) {
	var u User
	err := json.Unmarshal([]byte(`{"id":9,"kakao_account":{
		"legal_name_needs_agreement":true,
		"is_korean_needs_agreement":false,
		"Bad-Key_needs_agreement":true,
		"_needs_agreement":true,
		"legal_gender_needs_agreement":"yes"}}`), &u)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"id": "9", "sub": "9", "legal_name_needs_agreement": "true", "is_korean_needs_agreement": "false"}
	if got := u.Claims(); !reflect.DeepEqual(got, want) {
		t.Errorf("Claims = %v, want %v (unknown items kept, malformed keys and non-bool flags dropped)", got, want)
	}
	// A documented field of the wrong type is a broken answer, not a default.
	if err := json.Unmarshal([]byte(`{"id":9,"kakao_account":{"email_needs_agreement":"yes"}}`), &u); err == nil {
		t.Error("a string email_needs_agreement was accepted")
	}
}

func TestClaimsOfAnAccountBuiltInCode(t *testing.T) {
	yes, no := true, false
	u := &User{ID: 42, KakaoAccount: &Account{EmailNeedsAgreement: &yes, GenderNeedsAgreement: &no, Email: "x@y", IsEmailValid: &yes}}
	want := map[string]string{"id": "42", "sub": "42", "email_needs_agreement": "true", "gender_needs_agreement": "false"}
	if got := u.Claims(); !reflect.DeepEqual(got, want) {
		t.Errorf("Claims = %v, want %v", got, want)
	}
	if (*User)(nil).Claims() != nil {
		t.Error("nil user should have nil claims")
	}
}

func TestNeedsAgreement(t *testing.T) {
	tests := []struct {
		name   string
		claims map[string]string
		want   []string
	}{
		{"none", map[string]string{"id": "1"}, nil},
		{"only true flags, sorted", map[string]string{
			"gender_needs_agreement": "true", "email_needs_agreement": "true",
			"age_range_needs_agreement": "false", "nickname": "true",
		}, []string{"email", "gender"}},
		{"only exactly \"true\"", map[string]string{"email_needs_agreement": "TRUE", "name_needs_agreement": "1"}, nil},
		{"a bare suffix is no item", map[string]string{"_needs_agreement": "true"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NeedsAgreement(tt.claims); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("NeedsAgreement = %v, want %v", got, tt.want)
			}
		})
	}
}

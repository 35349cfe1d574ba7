package kakaotest

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"
)

// userField is one property key of /v2/user/me and how it fills the user
// object: kakao_account fields (with their *_needs_agreement flag) or
// legacy properties.
type userField struct {
	key string
	add func(s *userState, acct, props map[string]any, secure bool)
}

// userFields are the property keys /v2/user/me knows (has_signed_up is
// handled apart). Non-consented values are omitted; a needs_agreement flag
// is always present for its item.
var userFields = []userField{
	{"kakao_account.profile", func(s *userState, acct, _ map[string]any, secure bool) {
		acct["profile_nickname_needs_agreement"] = s.needsAgreement("profile_nickname")
		acct["profile_image_needs_agreement"] = s.needsAgreement("profile_image")
		profile := map[string]any{}
		if s.hasAgreed("profile_nickname") && s.user.Nickname != "" {
			profile["nickname"] = s.user.Nickname
			profile["is_default_nickname"] = false
		}
		if s.hasAgreed("profile_image") && s.user.ProfileImageURL != "" {
			profile["thumbnail_image_url"] = resource(s.user.thumbnailURL(), secure)
			profile["profile_image_url"] = resource(s.user.ProfileImageURL, secure)
			profile["is_default_image"] = false
		}
		if len(profile) > 0 {
			acct["profile"] = profile
		}
	}},
	{"kakao_account.name", simpleField("name", "name", func(u *User) string { return u.Name })},
	{"kakao_account.email", func(s *userState, acct, _ map[string]any, _ bool) {
		acct["email_needs_agreement"] = s.needsAgreement("account_email")
		if s.hasAgreed("account_email") && s.user.Email != "" {
			acct["is_email_valid"] = s.user.EmailValid
			acct["is_email_verified"] = s.user.EmailVerified
			acct["email"] = s.user.Email
		}
	}},
	{"kakao_account.age_range", simpleField("age_range", "age_range", func(u *User) string { return u.AgeRange })},
	{"kakao_account.birthyear", simpleField("birthyear", "birthyear", func(u *User) string { return u.Birthyear })},
	{"kakao_account.birthday", func(s *userState, acct, _ map[string]any, _ bool) {
		acct["birthday_needs_agreement"] = s.needsAgreement("birthday")
		if s.hasAgreed("birthday") && s.user.Birthday != "" {
			acct["birthday"] = s.user.Birthday
			acct["birthday_type"] = "SOLAR"
			acct["is_leap_month"] = false
		}
	}},
	{"kakao_account.gender", simpleField("gender", "gender", func(u *User) string { return u.Gender })},
	{"kakao_account.phone_number", simpleField("phone_number", "phone_number", func(u *User) string { return u.PhoneNumber })},
	{"properties.nickname", func(s *userState, _, props map[string]any, _ bool) {
		if s.hasAgreed("profile_nickname") && s.user.Nickname != "" {
			props["nickname"] = s.user.Nickname
		}
	}},
	{"properties.profile_image", func(s *userState, _, props map[string]any, secure bool) {
		if s.hasAgreed("profile_image") && s.user.ProfileImageURL != "" {
			props["profile_image"] = resource(s.user.ProfileImageURL, secure)
		}
	}},
	{"properties.thumbnail_image", func(s *userState, _, props map[string]any, secure bool) {
		if s.hasAgreed("profile_image") && s.user.ProfileImageURL != "" {
			props["thumbnail_image"] = resource(s.user.thumbnailURL(), secure)
		}
	}},
}

// simpleField fills <field>_needs_agreement and <field> for a scope whose
// value is one string.
func simpleField(scope, field string, value func(*User) string) func(s *userState, acct, _ map[string]any, _ bool) {
	return func(s *userState, acct, _ map[string]any, _ bool) {
		acct[field+"_needs_agreement"] = s.needsAgreement(scope)
		if v := value(&s.user); s.hasAgreed(scope) && v != "" {
			acct[field] = v
		}
	}
}

// preregisteredKeys are the only fields shown for a preregistered user
// (auto-link off, has_signed_up false).
var preregisteredKeys = map[string]bool{"kakao_account.profile": true, "kakao_account.email": true}

// resource returns an image URL as http, or https when secure_resource=true.
func resource(u string, secure bool) string {
	if secure {
		return strings.Replace(u, "http://", "https://", 1)
	}
	return u
}

// handleUserMe serves GET|POST /v2/user/me with a Bearer token or the admin
// key (target_id_type=user_id, target_id), honouring property_keys (a JSON
// array of keys such as "kakao_account.email", or a group prefix ending in
// ".") and secure_resource.
func (e *Emulator) handleUserMe(w http.ResponseWriter, r *http.Request) {
	c, ok := e.apiCaller(w, r, true, http.MethodGet, http.MethodPost)
	if !ok {
		return
	}
	var keys []string
	if raw := r.Form.Get("property_keys"); raw != "" {
		if err := json.Unmarshal([]byte(raw), &keys); err != nil {
			writeAPIError(w, badParam("property_keys must be a JSON array of strings"))
			return
		}
		for _, k := range keys {
			if !knownPropertyKey(k) {
				// [unconfirmed] Kakao's answer to an unknown key.
				writeAPIError(w, badParam("invalid property key: "+k))
				return
			}
		}
	}
	secure := r.Form.Get("secure_resource") == "true"
	e.mu.Lock()
	obj := e.userObjectLocked(e.users[c.userID], keys, secure)
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, obj)
}

// knownPropertyKey reports whether k is a property key or a group prefix.
func knownPropertyKey(k string) bool {
	if k == "has_signed_up" || k == "kakao_account." || k == "properties." {
		return true
	}
	if name, ok := strings.CutPrefix(k, "properties."); ok && name != "" {
		return true // a custom property, defined by the app [unconfirmed: unknown ones]
	}
	for _, f := range userFields {
		if f.key == k {
			return true
		}
	}
	return false
}

// selected reports whether a field is asked for by keys (nil: all fields).
func selected(keys []string, field string) bool {
	if keys == nil {
		return true
	}
	for _, k := range keys {
		if k == field || (strings.HasSuffix(k, ".") && strings.HasPrefix(field, k)) {
			return true
		}
	}
	return false
}

// userObjectLocked builds the /v2/user/me user object. Callers hold e.mu.
func (e *Emulator) userObjectLocked(s *userState, keys []string, secure bool) map[string]any {
	acct := map[string]any{}
	props := map[string]any{}
	prereg := e.opts.DisableAutoLink && !s.signedUp
	for _, f := range userFields {
		if selected(keys, f.key) && (!prereg || preregisteredKeys[f.key]) {
			f.add(s, acct, props, secure)
		}
	}
	obj := map[string]any{
		"id":            s.user.ID,
		"connected_at":  s.connectedAt.UTC().Format(time.RFC3339),
		"kakao_account": acct,
	}
	if !prereg {
		for k, v := range s.user.Properties {
			if selected(keys, "properties."+k) {
				props[k] = v
			}
		}
	}
	if len(props) > 0 {
		obj["properties"] = props
	}
	// has_signed_up is returned whenever auto-link is off, whatever
	// property_keys asks for [unconfirmed].
	if e.opts.DisableAutoLink {
		obj["has_signed_up"] = s.signedUp
	}
	return obj
}

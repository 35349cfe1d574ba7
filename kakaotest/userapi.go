package kakaotest

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
)

// pathTalkMemo is KakaoTalk's "send to me" message API, the emulator's
// example of an API that needs an extra scope (talk_message).
const pathTalkMemo = "/v2/api/talk/memo/default/send"

// handleOIDCUserinfo serves GET|POST /v1/oidc/userinfo (Bearer): sub and
// the consented standard claims; email_verified is true only for a valid
// and verified email.
func (e *Emulator) handleOIDCUserinfo(w http.ResponseWriter, r *http.Request) {
	c, ok := e.apiCaller(w, r, false, http.MethodGet, http.MethodPost)
	if !ok {
		return
	}
	e.mu.Lock()
	s := e.users[c.userID]
	u := s.user
	info := map[string]any{"sub": itoa(u.ID)}
	set := func(scope, claim, value string) {
		if value != "" && s.hasAgreed(scope) {
			info[claim] = value
		}
	}
	set("profile_nickname", "nickname", u.Nickname)
	set("profile_image", "picture", u.thumbnailURL())
	set("name", "name", u.Name)
	set("account_email", "email", u.Email)
	if _, ok := info["email"]; ok {
		info["email_verified"] = u.EmailValid && u.EmailVerified
	}
	set("gender", "gender", u.Gender)
	set("phone_number", "phone_number", u.PhoneNumber)
	if _, ok := info["phone_number"]; ok {
		info["phone_number_verified"] = true
	}
	if bd := birthdate(s); bd != "" {
		info["birthdate"] = bd
	}
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, info)
}

// birthdate formats the consented birth items as OIDC's birthdate:
// YYYY-MM-DD, 0000-MM-DD (birthday only) or YYYY (birth year only).
func birthdate(s *userState) string {
	year := ""
	if s.hasAgreed("birthyear") {
		year = s.user.Birthyear
	}
	day := ""
	if s.hasAgreed("birthday") && len(s.user.Birthday) == 4 {
		day = s.user.Birthday[:2] + "-" + s.user.Birthday[2:]
	}
	switch {
	case year != "" && day != "":
		return year + "-" + day
	case day != "":
		return "0000-" + day
	default:
		return year
	}
}

// handleSignup serves POST /v1/user/signup (Bearer): links a preregistered
// user (auto-link off) and saves the optional properties (a JSON object of
// strings) as the user's custom properties. An already linked user gets -102
// (and nothing is saved); a property key outside Options.PropertyKeys -201.
func (e *Emulator) handleSignup(w http.ResponseWriter, r *http.Request) {
	c, ok := e.apiCaller(w, r, false, http.MethodPost)
	if !ok {
		return
	}
	var props map[string]string
	if raw := r.Form.Get("properties"); raw != "" {
		if err := json.Unmarshal([]byte(raw), &props); err != nil {
			writeAPIError(w, badParam("properties must be a JSON object of strings"))
			return
		}
	}
	for k := range props {
		if e.opts.PropertyKeys != nil && !slices.Contains(e.opts.PropertyKeys, k) {
			writeAPIError(w, errUnknownProperty)
			return
		}
	}
	e.mu.Lock()
	s := e.users[c.userID]
	already := !e.opts.DisableAutoLink || s.signedUp
	if !already {
		s.signedUp = true
		saveProperties(s, props)
	}
	e.mu.Unlock()
	if already {
		writeAPIError(w, errAlreadyLinked)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": c.userID})
}

// saveProperties stores props as s's custom properties (a new map: the old one
// may be shared with the Options the user came from). Callers hold e.mu.
func saveProperties(s *userState, props map[string]string) {
	if len(props) == 0 {
		return
	}
	merged := make(map[string]any, len(s.user.Properties)+len(props))
	maps.Copy(merged, s.user.Properties)
	for k, v := range props {
		merged[k] = v
	}
	s.user.Properties = merged
}

// preregistered reports whether s is linked but not signed up yet (auto-link
// off): Kakao's APIs beyond login, user info, signup, logout and unlink answer
// -101 for such a user, as for one not linked. Callers hold e.mu.
func (e *Emulator) preregistered(s *userState) bool {
	return e.opts.DisableAutoLink && !s.signedUp
}

// scopeEntry is one element of /v2/user/scopes.
type scopeEntry struct {
	ID          string `json:"id"`
	DisplayName string `json:"display_name"`
	Type        string `json:"type"`
	Using       bool   `json:"using"`
	Agreed      bool   `json:"agreed"`
	Revocable   *bool  `json:"revocable,omitempty"`
}

// handleScopes serves GET /v2/user/scopes (Bearer or admin key), with the
// optional scopes filter (a JSON array of scope ids).
func (e *Emulator) handleScopes(w http.ResponseWriter, r *http.Request) {
	c, ok := e.apiCaller(w, r, true, http.MethodGet)
	if !ok {
		return
	}
	var filter []string
	if raw := r.Form.Get("scopes"); raw != "" {
		if err := json.Unmarshal([]byte(raw), &filter); err != nil {
			writeAPIError(w, badParam("scopes must be a JSON array of scope ids"))
			return
		}
	}
	e.mu.Lock()
	s := e.users[c.userID]
	entries := []scopeEntry{}
	for _, info := range scopeCatalog {
		if info.id == scopeOpenID || (filter != nil && !slices.Contains(filter, info.id)) {
			continue
		}
		entry := scopeEntry{ID: info.id, DisplayName: info.displayName, Type: info.kind, Using: slices.Contains(e.opts.ConsentItems, info.id), Agreed: s.hasAgreed(info.id)}
		if entry.Agreed {
			entry.Revocable = ptr(!info.required)
		}
		entries = append(entries, entry)
	}
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"id": c.userID, "scopes": entries})
}

// handleTalkMemo serves POST /v2/api/talk/memo/default/send (Bearer): it
// needs the talk_message scope and answers -402 (HTTP 403) with
// required_scopes without it, which triggers additional consent.
func (e *Emulator) handleTalkMemo(w http.ResponseWriter, r *http.Request) {
	c, ok := e.apiCaller(w, r, false, http.MethodPost)
	if !ok {
		return
	}
	e.mu.Lock()
	s := e.users[c.userID]
	prereg, ok := e.preregistered(s), s.hasAgreed("talk_message")
	e.mu.Unlock()
	if prereg {
		writeAPIError(w, errNotLinked)
		return
	}
	if !ok {
		writeAPIError(w, apiError{
			status: http.StatusForbidden, code: -402, msg: "insufficient scopes.",
			requiredScopes: []string{"talk_message"}, apiType: "TALK_MEMO_DEFAULT_SEND",
		})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"result_code": 0})
}

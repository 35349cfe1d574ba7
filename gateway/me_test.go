package gateway

import (
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
)

func TestTypedClaims(t *testing.T) {
	tests := []struct {
		name  string
		claim string
		value string
		want  any
	}{
		{"id stays a string", "id", "1001", "1001"},
		{"sub stays a string", "sub", "42", "42"},
		{"email_verified is a boolean", "email_verified", "true", true},
		{"has_signed_up false", "has_signed_up", "false", false},
		{"consent flag is a boolean", "email_needs_agreement", "false", false},
		{"unknown item flag is a boolean", "new_item_needs_agreement", "true", true},
		{"updated_at is a number", "updated_at", "1700000000", int64(1700000000)},
		{"birthyear stays text", "birthyear", "1990", "1990"},
		{"a boolean look-alike elsewhere stays text", "nickname", "true", "true"},
		{"a malformed boolean stays text", "email_verified", "TRUE", "TRUE"},
		{"a malformed number stays text", "updated_at", "soon", "soon"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := typedClaims(map[string]string{tt.claim: tt.value})
			if !reflect.DeepEqual(got[tt.claim], tt.want) || len(got) != 1 {
				t.Errorf("typedClaims(%s=%q) = %#v, want %#v", tt.claim, tt.value, got[tt.claim], tt.want)
			}
		})
	}
}

// TestMeAnswersTypedClaimsAndErrorsCarryRequestID: /me after a Kakao login answers booleans as
// JSON booleans and the id as a string; its 401 body, an API request's and a signup POST's
// without a session carry a message and the request id, as every JSON error does.
func TestMeAnswersTypedClaimsAndErrorsCarryRequestID(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	c := h.browser()
	h.login(c, "/", 1001)
	me := h.get(c, "/.auth/me", "Accept: application/json")
	var body struct{ Claims map[string]any }
	if err := json.Unmarshal([]byte(me.body), &body); err != nil || me.StatusCode != http.StatusOK {
		t.Fatalf("/me: %d %s (%v)", me.StatusCode, me.body, err)
	}
	if body.Claims["id"] != "1001" || body.Claims["email_verified"] != true || body.Claims["email_needs_agreement"] != false {
		t.Errorf("/me claims = %v, want id \"1001\", email_verified true, email_needs_agreement false", body.Claims)
	}

	refusals := []struct {
		name, method, path, wantCode string
	}{
		{"/me without a session", http.MethodGet, "/.auth/me", "unauthenticated"},
		{"API request without a session", http.MethodGet, "/private", "unauthenticated"},
		{"signup POST without a session", http.MethodPost, "/.auth/signup?rd=/", "no_session"},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			res := h.do(h.browser(), tt.method, tt.path, nil, "Accept: application/json", "Origin: "+h.base)
			var refusal map[string]string
			if err := json.Unmarshal([]byte(res.body), &refusal); err != nil || res.StatusCode != http.StatusUnauthorized {
				t.Fatalf("%d %s (%v), want 401 JSON", res.StatusCode, res.body, err)
			}
			if refusal["error"] != tt.wantCode || refusal["message"] == "" || refusal["request_id"] == "" {
				t.Errorf("body = %v, want error %s, a message and a request_id", refusal, tt.wantCode)
			}
		})
	}
}

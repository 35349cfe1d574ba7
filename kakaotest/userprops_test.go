package kakaotest

import (
	"net/url"
	"testing"
)

func TestUserMeReturnsCustomPropertiesAsGiven(t *testing.T) {
	srv := newEmu(t, func(o *Options) {
		users := DefaultUsers()
		users[0].Properties = map[string]any{"level": 3, "vip": true, "plan": "gold"}
		o.Users = users
	})
	at := str(tokens(t, srv, 1001, nil), "access_token")
	tests := []struct {
		name, keys string
		want       map[string]any // the custom part of properties; nil: none
	}{
		{"every field", "", map[string]any{"level": float64(3), "vip": true, "plan": "gold"}},
		{"the properties group", `["properties."]`, map[string]any{"level": float64(3), "vip": true, "plan": "gold"}},
		{"one custom key", `["properties.vip"]`, map[string]any{"vip": true}},
		{"kakao_account only", `["kakao_account.email"]`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := "/v2/user/me"
			if tt.keys != "" {
				path += "?" + url.Values{"property_keys": {tt.keys}}.Encode()
			}
			status, me := getJSON(t, srv, path, "Bearer "+at)
			props, _ := me["properties"].(map[string]any)
			if status != 200 {
				t.Fatalf("user/me: %d %v", status, me)
			}
			for _, legacy := range []string{"nickname", "profile_image", "thumbnail_image"} {
				delete(props, legacy)
			}
			if len(props) != len(tt.want) {
				t.Fatalf("properties %v, want %v", props, tt.want)
			}
			for k, v := range tt.want {
				if props[k] != v {
					t.Fatalf("properties[%s] = %#v, want %#v", k, props[k], v)
				}
			}
		})
	}
}

package kakao

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestPropertiesOfAnyTypeAreKeptAsText(t *testing.T) {
	tests := []struct {
		name       string
		properties string
		want       map[string]string // the properties.* claims
	}{
		{"strings", `{"plan":"gold"}`, map[string]string{"properties.plan": "gold"}},
		{"a number and booleans", `{"level":3,"score":-1.5,"vip":true,"banned":false}`,
			map[string]string{"properties.level": "3", "properties.score": "-1.5", "properties.vip": "true", "properties.banned": "false"}},
		{"a big number keeps every digit", `{"points":12345678901234567890}`, map[string]string{"properties.points": "12345678901234567890"}},
		{"nested values as compact JSON, null left out", `{"tags":[ "a", 1 ],"meta":{ "x": 1 },"gone":null}`,
			map[string]string{"properties.tags": `["a",1]`, "properties.meta": `{"x":1}`}},
		{"the profile copies are not claims", `{"nickname":"Ryan","profile_image":"http://x/p.jpg","thumbnail_image":"http://x/t.jpg","level":"2"}`,
			map[string]string{"properties.level": "2"}},
		{"a key that cannot be a claim name is skipped", `{"bad key":"x","한글":"y","ok-key_1":"z"}`, map[string]string{"properties.ok-key_1": "z"}},
		{"properties that are not an object are ignored", `"oops"`, map[string]string{}},
		{"null properties", `null`, map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var u User
			if err := json.Unmarshal([]byte(`{"id":7,"properties":`+tt.properties+`}`), &u); err != nil {
				t.Fatalf("a user object with these properties must decode: %v", err)
			}
			got := map[string]string{}
			for k, v := range u.Claims() {
				if k != "id" && k != "sub" {
					got[k] = v
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("claims %v, want %v", got, tt.want)
			}
		})
	}
}

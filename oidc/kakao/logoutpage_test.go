package kakao

import (
	"net/url"
	"reflect"
	"testing"
)

func TestAccountLogoutURL(t *testing.T) {
	const redirect = "http://localhost:8080/.auth/logout/callback"
	tests := []struct {
		name                       string
		base, client, redir, state string
		wantPrefix                 string // "" = error
		wantQuery                  url.Values
	}{
		{"Kakao by default with state", "", "demo-rest-api-key", redirect, "s1",
			"https://kauth.kakao.com/oauth/logout?",
			url.Values{"client_id": {"demo-rest-api-key"}, "logout_redirect_uri": {redirect}, "state": {"s1"}}},
		{"emulator base with a trailing slash, no state", "http://127.0.0.1:9090/", "k", redirect, "",
			"http://127.0.0.1:9090/oauth/logout?",
			url.Values{"client_id": {"k"}, "logout_redirect_uri": {redirect}}},
		{"state with reserved characters is encoded", "https://kauth.kakao.com", "k", redirect, "a&b=c#d",
			"https://kauth.kakao.com/oauth/logout?",
			url.Values{"client_id": {"k"}, "logout_redirect_uri": {redirect}, "state": {"a&b=c#d"}}},
		{"plain http to a real host is refused", "http://kauth.kakao.com", "k", redirect, "", "", nil},
		{"empty client id is refused", "", "", redirect, "", "", nil},
		{"relative logout redirect is refused", "", "k", "/.auth/logout/callback", "", "", nil},
		{"javascript logout redirect is refused", "", "k", "javascript:alert(1)", "", "", nil},
		{"logout redirect with a fragment is refused", "", "k", redirect + "#x", "", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := AccountLogoutURL(tt.base, tt.client, tt.redir, tt.state)
			if tt.wantPrefix == "" {
				if err == nil {
					t.Fatalf("accepted: %s", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) < len(tt.wantPrefix) || got[:len(tt.wantPrefix)] != tt.wantPrefix {
				t.Fatalf("URL %s, want prefix %s", got, tt.wantPrefix)
			}
			u, _ := url.Parse(got)
			if !reflect.DeepEqual(u.Query(), tt.wantQuery) {
				t.Errorf("query %v, want %v", u.Query(), tt.wantQuery)
			}
		})
	}
}

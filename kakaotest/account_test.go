package kakaotest

import (
	"net/http"
	"testing"
	"time"
)

func TestAccountSessionExpires(t *testing.T) {
	tests := []struct {
		name          string
		advance       time.Duration
		wantLoginPage bool
	}{
		{"within 24 hours the Kakao Account session signs the user in", 23 * time.Hour, false},
		{"after 24 hours the login page is shown again", 25 * time.Hour, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newEmu(t, nil)
			c := browser(t, "")
			loginCode(t, srv, c, 1001, nil)
			srv.Advance(tt.advance)
			resp, err := c.Get(authorizeURL(srv, nil))
			if err != nil {
				t.Fatal(err)
			}
			if !tt.wantLoginPage {
				callback(t, resp)
				return
			}
			forms, err := pageForms(resp)
			if err != nil || resp.StatusCode != http.StatusOK || !hasButtonNamed(forms, "user") {
				t.Fatalf("want the login page, got %d (%v)", resp.StatusCode, err)
			}
		})
	}
}

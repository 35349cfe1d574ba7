package kakao

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// FuzzParseUnlinkWebhook feeds arbitrary methods, Authorization headers,
// query strings, content types and bodies to the webhook parser. It must
// never panic, every error must be one of the two webhook sentinels, and no
// request may be accepted without exactly "KakaoAK <admin key>", the right
// app_id and a positive user id.
func FuzzParseUnlinkWebhook(f *testing.F) {
	f.Add("GET", "KakaoAK "+hookKey, "app_id=100001&user_id=1001&referrer_type=UNLINK_FROM_APPS", "", "")
	f.Add("POST", "KakaoAK "+hookKey, "", "application/x-www-form-urlencoded;charset=utf-8", "app_id=100001&user_id=1001")
	f.Add("POST", "KakaoAK "+hookKey, "", "application/json", `{"app_id":100001,"user_id":"1001","referrer_type":"ACCOUNT_DELETE"}`)
	f.Fuzz(func(t *testing.T, method, auth, rawQuery, contentType, body string) {
		r := &http.Request{
			Method: method,
			URL:    &url.URL{Path: "/.auth/webhook/unlink", RawQuery: rawQuery},
			Header: http.Header{},
			Body:   io.NopCloser(strings.NewReader(body)),
		}
		if auth != "" {
			r.Header["Authorization"] = []string{auth}
		}
		if contentType != "" {
			r.Header["Content-Type"] = []string{contentType}
		}
		ev, err := ParseUnlinkWebhook(r, hookKey, hookApp)
		if err != nil {
			if ev != nil {
				t.Fatalf("error %v with a non-nil event", err)
			}
			if !errors.Is(err, ErrWebhookUnauthorized) && !errors.Is(err, ErrWebhookBadRequest) {
				t.Fatalf("error %v is neither webhook sentinel", err)
			}
			return
		}
		if auth != "KakaoAK "+hookKey {
			t.Fatalf("accepted Authorization %q", auth)
		}
		if method != http.MethodGet && method != http.MethodPost {
			t.Fatalf("accepted method %q", method)
		}
		if ev.AppID != hookApp || ev.UserID <= 0 {
			t.Fatalf("accepted event %+v", ev)
		}
		if len(ev.ReferrerType) > maxReferrerBytes || strings.ContainsAny(ev.ReferrerType, "\r\n\x00") {
			t.Fatalf("referrer type not bounded or cleaned: %q", ev.ReferrerType)
		}
	})
}

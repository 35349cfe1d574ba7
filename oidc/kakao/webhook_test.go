package kakao

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

const (
	hookKey = "demo-admin-key"
	hookApp = "100001"
)

// hookRequest builds a webhook request; body "" means none.
func hookRequest(method, query, body string, header map[string]string) *http.Request {
	target := "/.auth/webhook/unlink"
	if query != "" {
		target += "?" + query
	}
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, target, rd)
	if method == http.MethodPost {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded;charset=utf-8")
	}
	for k, v := range header {
		if v == "" {
			r.Header.Del(k)
			continue
		}
		r.Header.Set(k, v)
	}
	return r
}

var goodAuth = map[string]string{"Authorization": "KakaoAK " + hookKey}

// jsonHook is an authenticated POST webhook with a JSON body.
func jsonHook(body string) *http.Request {
	return hookRequest(http.MethodPost, "", body, map[string]string{"Authorization": "KakaoAK " + hookKey, "Content-Type": "application/json"})
}

func TestParseUnlinkWebhook(t *testing.T) {
	const goodParams = "app_id=100001&user_id=1001&referrer_type=UNLINK_FROM_APPS"
	tests := []struct {
		name    string
		req     *http.Request
		want    *UnlinkEvent
		wantErr error
	}{
		{"good GET with query", hookRequest("GET", goodParams, "", goodAuth),
			&UnlinkEvent{AppID: hookApp, UserID: 1001, ReferrerType: ReferrerUnlinkFromApps}, nil},
		{"good POST with form body", hookRequest("POST", "", goodParams+"&group_user_token=gut-1", goodAuth),
			&UnlinkEvent{AppID: hookApp, UserID: 1001, ReferrerType: ReferrerUnlinkFromApps, GroupUserToken: "gut-1"}, nil},
		{"POST without a content type is read as a form", hookRequest("POST", "", goodParams, map[string]string{"Authorization": "KakaoAK " + hookKey, "Content-Type": ""}),
			&UnlinkEvent{AppID: hookApp, UserID: 1001, ReferrerType: ReferrerUnlinkFromApps}, nil},
		{"POST with a JSON body, ids as strings", jsonHook(`{"app_id":"100001","user_id":"1001","referrer_type":"UNLINK_FROM_APPS"}`),
			&UnlinkEvent{AppID: hookApp, UserID: 1001, ReferrerType: ReferrerUnlinkFromApps}, nil},
		{"POST with a JSON body, ids as numbers", jsonHook(` {"app_id":100001,"user_id":9223372036854775807,"referrer_type":"ACCOUNT_DELETE","extra":{"x":[1]}} `),
			&UnlinkEvent{AppID: hookApp, UserID: 9223372036854775807, ReferrerType: ReferrerAccountDelete}, nil},
		{"POST JSON without a content type is recognised", hookRequest("POST", "", `{"app_id":100001,"user_id":1001}`, map[string]string{"Authorization": "KakaoAK " + hookKey, "Content-Type": ""}),
			&UnlinkEvent{AppID: hookApp, UserID: 1001}, nil},
		{"a JSON body value replaces the query value", hookRequest("POST", "user_id=5", `{"app_id":"100001","user_id":1001}`, map[string]string{"Authorization": "KakaoAK " + hookKey, "Content-Type": "application/json;charset=utf-8"}),
			&UnlinkEvent{AppID: hookApp, UserID: 1001}, nil},
		{"a body value replaces the query value", hookRequest("POST", "user_id=5", goodParams, goodAuth),
			&UnlinkEvent{AppID: hookApp, UserID: 1001, ReferrerType: ReferrerUnlinkFromApps}, nil},
		{"unknown referrer type is kept", hookRequest("GET", "app_id=100001&user_id=1001&referrer_type=SOMETHING_NEW", "", goodAuth),
			&UnlinkEvent{AppID: hookApp, UserID: 1001, ReferrerType: "SOMETHING_NEW"}, nil},
		{"missing referrer type is fine", hookRequest("GET", "app_id=100001&user_id=9223372036854775807", "", goodAuth),
			&UnlinkEvent{AppID: hookApp, UserID: 9223372036854775807}, nil},
		{"an overlong referrer type is bounded and cleaned, not rejected", hookRequest("GET", "app_id=100001&user_id=1&referrer_type=%0D%0A"+strings.Repeat("X", 100), "", goodAuth),
			&UnlinkEvent{AppID: hookApp, UserID: 1, ReferrerType: strings.Repeat("X", 64)}, nil},

		{"wrong key", hookRequest("GET", goodParams, "", map[string]string{"Authorization": "KakaoAK wrong-key"}), nil, ErrWebhookUnauthorized},
		{"missing header", hookRequest("GET", goodParams, "", nil), nil, ErrWebhookUnauthorized},
		{"key as a prefix of the real one", hookRequest("GET", goodParams, "", map[string]string{"Authorization": "KakaoAK demo-admin"}), nil, ErrWebhookUnauthorized},
		{"key in the query instead of the header", hookRequest("GET", goodParams+"&admin_key="+hookKey, "", nil), nil, ErrWebhookUnauthorized},
		{"two Authorization headers", func() *http.Request {
			r := hookRequest("GET", goodParams, "", goodAuth)
			r.Header.Add("Authorization", "KakaoAK "+hookKey)
			return r
		}(), nil, ErrWebhookUnauthorized},
		{"wrong app id", hookRequest("GET", "app_id=999&user_id=1001", "", goodAuth), nil, ErrWebhookUnauthorized},
		{"missing app id", hookRequest("GET", "user_id=1001", "", goodAuth), nil, ErrWebhookUnauthorized},
		{"repeated app id", hookRequest("GET", "app_id=100001&app_id=100001&user_id=1001", "", goodAuth), nil, ErrWebhookUnauthorized},

		{"missing user id", hookRequest("GET", "app_id=100001", "", goodAuth), nil, ErrWebhookBadRequest},
		{"empty user id", hookRequest("GET", "app_id=100001&user_id=", "", goodAuth), nil, ErrWebhookBadRequest},
		{"garbage user id", hookRequest("GET", "app_id=100001&user_id=abc", "", goodAuth), nil, ErrWebhookBadRequest},
		{"negative user id", hookRequest("GET", "app_id=100001&user_id=-1", "", goodAuth), nil, ErrWebhookBadRequest},
		{"signed user id", hookRequest("GET", "app_id=100001&user_id=%2B1001", "", goodAuth), nil, ErrWebhookBadRequest},
		{"zero user id", hookRequest("GET", "app_id=100001&user_id=0", "", goodAuth), nil, ErrWebhookBadRequest},
		{"leading zero user id", hookRequest("GET", "app_id=100001&user_id=01001", "", goodAuth), nil, ErrWebhookBadRequest},
		{"user id over int64", hookRequest("GET", "app_id=100001&user_id=9223372036854775808", "", goodAuth), nil, ErrWebhookBadRequest},
		{"user id with a decimal point", hookRequest("GET", "app_id=100001&user_id=10.5", "", goodAuth), nil, ErrWebhookBadRequest},
		{"repeated user id", hookRequest("GET", "app_id=100001&user_id=1&user_id=2", "", goodAuth), nil, ErrWebhookBadRequest},
		{"repeated referrer type", hookRequest("GET", goodParams+"&referrer_type=X", "", goodAuth), nil, ErrWebhookBadRequest},
		{"oversized body", hookRequest("POST", "", goodParams+"&pad="+strings.Repeat("a", MaxWebhookBytes), goodAuth), nil, ErrWebhookBadRequest},
		{"oversized query", hookRequest("GET", goodParams+"&pad="+strings.Repeat("a", MaxWebhookBytes), "", goodAuth), nil, ErrWebhookBadRequest},
		{"text body is neither a form nor JSON", hookRequest("POST", "", goodParams, map[string]string{"Authorization": "KakaoAK " + hookKey, "Content-Type": "text/plain"}), nil, ErrWebhookBadRequest},
		{"JSON: null user id", jsonHook(`{"app_id":"100001","user_id":null}`), nil, ErrWebhookBadRequest},
		{"JSON: boolean user id", jsonHook(`{"app_id":"100001","user_id":true}`), nil, ErrWebhookBadRequest},
		{"JSON: user id as an object", jsonHook(`{"app_id":"100001","user_id":{"id":1001}}`), nil, ErrWebhookBadRequest},
		{"JSON: fractional user id", jsonHook(`{"app_id":"100001","user_id":1001.0}`), nil, ErrWebhookBadRequest},
		{"JSON: exponent user id", jsonHook(`{"app_id":"100001","user_id":1e3}`), nil, ErrWebhookBadRequest},
		{"JSON: negative user id", jsonHook(`{"app_id":"100001","user_id":-1001}`), nil, ErrWebhookBadRequest},
		{"JSON: repeated user id", jsonHook(`{"app_id":"100001","user_id":"1001","user_id":"1002"}`), nil, ErrWebhookBadRequest},
		{"JSON: an array, not an object", jsonHook(`[{"app_id":"100001","user_id":"1001"}]`), nil, ErrWebhookBadRequest},
		{"JSON: trailing data", jsonHook(`{"app_id":"100001","user_id":"1001"}{}`), nil, ErrWebhookBadRequest},
		{"JSON: truncated", jsonHook(`{"app_id":"100001","user_id":"10`), nil, ErrWebhookBadRequest},
		{"JSON: numeric wrong app id", jsonHook(`{"app_id":999,"user_id":1001}`), nil, ErrWebhookUnauthorized},
		{"JSON: app id as a boolean", jsonHook(`{"app_id":true,"user_id":1001}`), nil, ErrWebhookBadRequest},
		{"bad escape in the body", hookRequest("POST", "", "app_id=100001&user_id=1%zz", goodAuth), nil, ErrWebhookBadRequest},
		{"PUT is not a webhook", hookRequest("PUT", goodParams, "", goodAuth), nil, ErrWebhookBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseUnlinkWebhook(tt.req, hookKey, hookApp)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || got != nil {
					t.Fatalf("= %+v, %v; want %v", got, err, tt.wantErr)
				}
				if strings.Contains(err.Error(), hookKey) {
					t.Errorf("error %q contains the admin key", err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("= %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestWebhookAuthorizationPrefixMustBeExact(t *testing.T) {
	for _, h := range []string{
		"kakaoak " + hookKey,
		"KAKAOAK " + hookKey,
		"KakaoAk " + hookKey,
		"KakaoAK  " + hookKey,
		"KakaoAK\t" + hookKey,
		"KakaoAK" + hookKey,
		" KakaoAK " + hookKey,
		"KakaoAK " + hookKey + " ",
		"Bearer " + hookKey,
		hookKey,
		"KakaoAK ",
		"KakaoAK",
	} {
		t.Run(h, func(t *testing.T) {
			r := hookRequest("GET", "app_id=100001&user_id=1001", "", nil)
			r.Header["Authorization"] = []string{h} // set raw, so no canonicalisation hides a variant
			if ev, err := ParseUnlinkWebhook(r, hookKey, hookApp); !errors.Is(err, ErrWebhookUnauthorized) {
				t.Fatalf("header %q: = %+v, %v; want ErrWebhookUnauthorized", h, ev, err)
			}
		})
	}
}

func TestWebhookUnconfiguredNeverAccepts(t *testing.T) {
	tests := []struct{ name, key, app, auth string }{
		{"empty admin key against an empty KakaoAK header", "", hookApp, "KakaoAK "},
		{"empty app id against an empty app_id", hookKey, "", "KakaoAK " + hookKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := hookRequest("GET", "app_id=&user_id=1001", "", map[string]string{"Authorization": tt.auth})
			if ev, err := ParseUnlinkWebhook(r, tt.key, tt.app); !errors.Is(err, ErrWebhookUnauthorized) {
				t.Fatalf("= %+v, %v; want ErrWebhookUnauthorized", ev, err)
			}
		})
	}
}

func TestWebhookChecksTheKeyBeforeReadingTheBody(t *testing.T) {
	body := &countingReader{r: strings.NewReader("app_id=100001&user_id=1001")}
	r := httptest.NewRequest("POST", "/.auth/webhook/unlink", body)
	r.Header.Set("Authorization", "KakaoAK wrong")
	if _, err := ParseUnlinkWebhook(r, hookKey, hookApp); !errors.Is(err, ErrWebhookUnauthorized) {
		t.Fatalf("err = %v", err)
	}
	if body.n != 0 {
		t.Errorf("read %d body bytes before rejecting the key", body.n)
	}
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

package kakaotest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// rawHook is an unlink webhook receiver that keeps each request as sent.
type rawHook struct {
	mu  sync.Mutex
	got []rawHookCall
}

// rawHookCall is one received webhook, unparsed.
type rawHookCall struct {
	method, contentType, auth, query, body string
}

func newRawHook(t *testing.T) (*rawHook, *httptest.Server) {
	h := &rawHook{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.got = append(h.got, rawHookCall{r.Method, r.Header.Get("Content-Type"), r.Header.Get("Authorization"), r.URL.RawQuery, string(b)})
		h.mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	return h, srv
}

func TestWebhookFormats(t *testing.T) {
	tests := []struct {
		name, method, format string
		want                 rawHookCall
	}{
		{"POST form body (default)", "", "", rawHookCall{method: "POST", contentType: "application/x-www-form-urlencoded;charset=utf-8",
			body: "app_id=100001&referrer_type=ACCOUNT_DELETE&user_id=1004"}},
		{"POST JSON body, ids as strings", "POST", WebhookJSON, rawHookCall{method: "POST", contentType: "application/json;charset=utf-8",
			body: `{"app_id":"100001","referrer_type":"ACCOUNT_DELETE","user_id":"1004"}`}},
		{"POST JSON body, ids as numbers", "POST", WebhookJSONNumbers, rawHookCall{method: "POST", contentType: "application/json;charset=utf-8",
			body: `{"app_id":100001,"referrer_type":"ACCOUNT_DELETE","user_id":1004}`}},
		{"GET query (the format is only for bodies)", "GET", WebhookJSON, rawHookCall{method: "GET",
			query: "app_id=100001&referrer_type=ACCOUNT_DELETE&user_id=1004"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, recv := newRawHook(t)
			srv := newEmu(t, func(o *Options) {
				o.WebhookURL, o.WebhookMethod, o.WebhookFormat = recv.URL+"/hook", tt.method, tt.format
			})
			tokens(t, srv, 1004, nil)
			if err := srv.UnlinkWithReason(t.Context(), 1004, ReferrerAccountDelete); err != nil {
				t.Fatal(err)
			}
			h.mu.Lock()
			defer h.mu.Unlock()
			tt.want.auth = "KakaoAK " + DefaultAdminKey
			if len(h.got) != 1 || h.got[0] != tt.want {
				t.Fatalf("webhooks %+v, want one %+v", h.got, tt.want)
			}
		})
	}
}

package gateway

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"go.uber.org/zap/zaptest/observer"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/kakaotest"
	"github.com/kakaogate/kakaogate/oidc/kakao"
	"github.com/kakaogate/kakaogate/oidc/oidctest"
)

// koeLogged returns the kakao_error fields of the entries logged as msg.
func koeLogged(h *harness, msg string) []any {
	var out []any
	for _, e := range h.logs.FilterMessage(msg).All() {
		if v, ok := e.ContextMap()["kakao_error"]; ok {
			out = append(out, v)
		}
	}
	return out
}

// noEntryContains fails when any log entry (message or field) contains one of texts.
func noEntryContains(t *testing.T, h *harness, texts map[string]string) {
	t.Helper()
	for _, e := range h.logs.All() {
		line := e.Message + " " + fmt.Sprint(e.ContextMap())
		for name, s := range texts {
			if strings.Contains(line, s) {
				t.Errorf("log entry %q contains the %s: %s", e.Message, name, line)
			}
		}
	}
}

// TestFailedTokenRequestLogsWhatTheKOECodeMeans: when Kakao's token endpoint refuses the code
// with a KOE code, the operator's log line explains it (DescribeKOE: meaning and fix), while
// neither the code nor Kakao's error_description (which can echo it) is logged.
func TestFailedTokenRequestLogsWhatTheKOECodeMeans(t *testing.T) {
	tests := []struct {
		name      string
		configure func(*config.Config)
		fault     func(code string) *kakaotest.Fault
		reason    string
		koe       string
		fix       string
	}{
		{
			name:      "wrong client secret",
			configure: func(c *config.Config) { c.ClientSecret = "not-the-client-secret-of-this-app" },
			reason:    "token_request_refused", koe: kakao.KOE010, fix: "client_secret",
		},
		{
			name: "code already used",
			fault: func(code string) *kakaotest.Fault {
				return &kakaotest.Fault{Status: http.StatusBadRequest, Times: 1,
					Body: `{"error":"invalid_grant","error_description":"authorization code not found for code=` + code + `","error_code":"KOE320"}`}
			},
			reason: "invalid_grant", koe: kakao.KOE320, fix: "start the login again",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessOptions{provider: config.ProviderKakao, configure: tt.configure})
			c := h.browser()
			cb := h.authorize(c, "/app", 1001)
			code := mustQuery(t, cb, "code")
			if tt.fault != nil {
				h.kakao.SetFault("/oauth/token", *tt.fault(code))
			}
			if res := h.get(noFollow(c), cb); res.StatusCode < 400 {
				t.Fatalf("callback with a refused code: %d, want an error page", res.StatusCode)
			}
			refused := h.logs.FilterMessage("request refused").Filter(func(e observer.LoggedEntry) bool {
				return e.ContextMap()["reason"] == tt.reason
			}).All()
			if len(refused) != 1 {
				t.Fatalf("%d %q refusals logged, want 1", len(refused), tt.reason)
			}
			got, _ := refused[0].ContextMap()["kakao_error"].(string)
			if got != kakao.DescribeKOE(tt.koe) || !strings.Contains(got, tt.fix) {
				t.Errorf("kakao_error = %q, want DescribeKOE(%s) naming %q", got, tt.koe, tt.fix)
			}
			noEntryContains(t, h, map[string]string{
				"authorization code": code, "client secret": "not-the-client-secret-of-this-app",
				"error_description": "authorization code not found", "Kakao's error text": "Bad client credentials",
			})
		})
	}
}

// TestFailedRefreshLogsWhatTheKOECodeMeans: a refresh refused with a KOE code that does not end
// the session (a rate limit) is logged with the code's meaning.
func TestFailedRefreshLogsWhatTheKOECodeMeans(t *testing.T) {
	t.Parallel()
	h, c, _ := refreshHarness(t, oidctest.Options{}, nil)
	h.op.SetFault(oidctest.Token, oidctest.Fault{Status: http.StatusBadRequest,
		Body: []byte(`{"error":"invalid_request","error_description":"rate limit for refresh_token=abc","error_code":"KOE237"}`)})
	if r := h.get(c, "/app", "Accept: application/json"); r.StatusCode != http.StatusOK {
		t.Fatalf("request during a refused refresh: %d, want 200 (the session is kept)", r.StatusCode)
	}
	got := koeLogged(h, "token refresh failed; keeping the session")
	if len(got) != 1 || got[0] != kakao.DescribeKOE(kakao.KOE237) {
		t.Errorf("kakao_error fields = %q, want DescribeKOE(KOE237)", got)
	}
	noEntryContains(t, h, map[string]string{"error_description": "refresh_token=abc"})
}

package kakao

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestKapiErrorsMapToSentinels(t *testing.T) {
	all := []error{ErrTokenInvalid, ErrInsufficientScope, ErrNotLinked, ErrAlreadyLinked}
	tests := []struct {
		name      string
		ans       answer
		wantCode  int
		wantIs    error // nil: matches no sentinel
		transient bool
		check     func(t *testing.T, e *APIError)
	}{
		{
			name: "-401 with WWW-Authenticate means the token is invalid",
			ans: answer{status: 401, body: "error_invalid_token.json",
				header: map[string]string{"WWW-Authenticate": "Bearer error=invalid_token"}},
			wantCode: -401, wantIs: ErrTokenInvalid,
			check: func(t *testing.T, e *APIError) {
				if e.AuthError != "invalid_token" || e.Msg != "this access token does not exist" {
					t.Errorf("AuthError=%q Msg=%q", e.AuthError, e.Msg)
				}
			},
		},
		{
			name:     "-401 expired keeps Kakao's reason",
			ans:      answer{status: 401, body: "error_expired_token.json"},
			wantCode: -401, wantIs: ErrTokenInvalid,
			check: func(t *testing.T, e *APIError) {
				if e.Reason != "ACCESS_TOKEN_EXPIRED" {
					t.Errorf("Reason = %q", e.Reason)
				}
			},
		},
		{
			name:     "-402 carries the required and allowed scopes",
			ans:      answer{status: 403, body: "error_insufficient_scope.json"},
			wantCode: -402, wantIs: ErrInsufficientScope,
			check: func(t *testing.T, e *APIError) {
				if !reflect.DeepEqual(e.RequiredScopes, []string{"account_email"}) ||
					!reflect.DeepEqual(e.AllowedScopes, []string{"profile", "friends"}) || e.APIType != "USER_MY_INFO" {
					t.Errorf("scopes %v / %v, api_type %q", e.RequiredScopes, e.AllowedScopes, e.APIType)
				}
				if !strings.Contains(e.Error(), "account_email") {
					t.Errorf("Error() %q does not name the required scope", e.Error())
				}
			},
		},
		{name: "-1 is transient and matches nothing", ans: answer{status: 400, body: "error_internal.json"}, wantCode: -1, transient: true},
		{name: "-10 quota is transient", ans: answer{status: 429, body: "error_limit_exceeded.json"}, wantCode: -10, transient: true},
		{name: "-101 means not linked", ans: answer{status: 400, body: "error_not_linked.json"}, wantCode: -101, wantIs: ErrNotLinked},
		{name: "-102 means already linked", ans: answer{status: 400, body: "error_already_linked.json"}, wantCode: -102, wantIs: ErrAlreadyLinked},
		{
			name:     "HTML 502 from a proxy is transient with no code and is not echoed",
			ans:      answer{status: 502, body: "<html>Bad Gateway secret-ish</html>", header: map[string]string{"Content-Type": "text/html"}},
			wantCode: 0, transient: true,
			check: func(t *testing.T, e *APIError) {
				if strings.Contains(e.Error(), "secret-ish") {
					t.Errorf("Error() %q echoes a non-Kakao body", e.Error())
				}
			},
		},
		{
			name: "a bare 401 with a Bearer invalid_token challenge still means invalid token",
			ans: answer{status: 401, body: "",
				header: map[string]string{"WWW-Authenticate": `Bearer realm="oauth", error="invalid_token", error_description="expired"`}},
			wantCode: 0, wantIs: ErrTokenInvalid,
		},
		{
			name:     "an odd field type does not hide the code",
			ans:      answer{status: 403, body: `{"msg":"[x] insufficient scopes.","code":-402,"required_scopes":"account_email"}`},
			wantCode: -402, wantIs: ErrInsufficientScope,
		},
		{name: "-2 bad parameter is permanent", ans: answer{status: 400, body: `{"msg":"bad","code":-2}`}, wantCode: -2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if strings.HasSuffix(tt.ans.body, ".json") {
				tt.ans.body = fixture(t, tt.ans.body)
			}
			f := newFakeKapi(t, tt.ans)
			_, err := f.api().UserMe(context.Background(), testToken, nil)
			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v, want *APIError", err)
			}
			if ae.Code != tt.wantCode || ae.HTTPStatus != tt.ans.status || ae.Endpoint != "GET /v2/user/me" {
				t.Errorf("Code=%d HTTPStatus=%d Endpoint=%q, want %d %d", ae.Code, ae.HTTPStatus, ae.Endpoint, tt.wantCode, tt.ans.status)
			}
			for _, s := range all {
				if got := errors.Is(err, s); got != (s == tt.wantIs) {
					t.Errorf("errors.Is(err, %v) = %v", s, got)
				}
			}
			if got := IsTransient(err); got != tt.transient {
				t.Errorf("IsTransient = %v, want %v", got, tt.transient)
			}
			if !strings.HasPrefix(err.Error(), "kakao: ") {
				t.Errorf("Error() %q lacks the package prefix", err.Error())
			}
			if tt.check != nil {
				tt.check(t, ae)
			}
		})
	}
}

func TestSentinelsSurviveWrapping(t *testing.T) {
	err := fmtWrap(&APIError{HTTPStatus: 401, Code: CodeInvalidToken})
	if !errors.Is(err, ErrTokenInvalid) {
		t.Fatal("wrapped -401 lost ErrTokenInvalid")
	}
	if errors.Is(err, ErrNotLinked) {
		t.Fatal("wrapped -401 matched ErrNotLinked")
	}
	if !IsTransient(fmtWrap(&APIError{HTTPStatus: 503})) {
		t.Fatal("wrapped 503 not transient")
	}
	if IsTransient(nil) || IsTransient(errors.New("other")) {
		t.Fatal("nil or foreign error reported transient")
	}
}

func fmtWrap(err error) error { return errors.Join(errors.New("gateway: refreshing"), err) }

func TestBearerChallengeParsing(t *testing.T) {
	tests := map[string]string{
		"Bearer error=invalid_token":                                        "invalid_token",
		`Bearer realm="oauth", error="invalid_token"`:                       "invalid_token",
		`bearer error_description="error=nope", error="insufficient_scope"`: "insufficient_scope",
		`Bearer error_description="x"`:                                      "",
		`Basic realm="x", error=invalid_token`:                              "",
		`Bearer error="unterminated`:                                        "",
		"":                                                                  "",
		"Bearer " + strings.Repeat("a", 2000):                               "",
	}
	for h, want := range tests {
		if got := bearerError(h); got != want {
			t.Errorf("bearerError(%q) = %q, want %q", h, got, want)
		}
	}
}

func TestServerStringsAreClipped(t *testing.T) {
	long := strings.Repeat("가", 200) // 600 bytes
	got := clip(long + "\r\nX-Injected: 1")
	if len(got) > maxMsgBytes || strings.ContainsAny(got, "\r\n") {
		t.Fatalf("clip kept %d bytes or a newline", len(got))
	}
	if got != strings.Repeat("가", maxMsgBytes/3) {
		t.Fatalf("clip cut inside a rune: %q", got)
	}
	if got := clip("a\nb"); got != "ab" {
		t.Fatalf("clip(a\\nb) = %q", got)
	}
}

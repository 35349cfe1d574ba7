package kakao

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const testToken = "tok-ABC.123_secret"

func TestCallSendsTokenOnlyInBearerHeader(t *testing.T) {
	tests := []struct {
		name       string
		call       func(*API) error
		method     string
		path       string
		wantFormCT bool
	}{
		{"user me is a GET", func(a *API) error { _, err := a.UserMe(context.Background(), testToken, nil); return err }, "GET", "/v2/user/me", false},
		{"token info is a GET", func(a *API) error { _, err := a.TokenInfo(context.Background(), testToken); return err }, "GET", "/v1/user/access_token_info", false},
		{"logout is a form POST", func(a *API) error { _, err := a.Logout(context.Background(), testToken); return err }, "POST", "/v1/user/logout", true},
		{"unlink is a form POST", func(a *API) error { _, err := a.Unlink(context.Background(), testToken); return err }, "POST", "/v1/user/unlink", true},
		{"signup is a form POST", func(a *API) error {
			_, err := a.Signup(context.Background(), testToken, map[string]string{"k": "v"})
			return err
		}, "POST", "/v1/user/signup", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeKapi(t, answer{body: `{"id":123456789,"expires_in":7199,"app_id":100001}`})
			if err := tt.call(f.api()); err != nil {
				t.Fatalf("call: %v", err)
			}
			r := f.only(t)
			if r.method != tt.method || r.path != tt.path {
				t.Errorf("request = %s %s, want %s %s", r.method, r.path, tt.method, tt.path)
			}
			if got := r.header.Get("Authorization"); got != "Bearer "+testToken {
				t.Errorf("Authorization = %q, want Bearer token", got)
			}
			if strings.Contains(r.rawQuery, testToken) || strings.Contains(r.body, testToken) {
				t.Errorf("token leaked into query %q or body %q", r.rawQuery, r.body)
			}
			if ct := r.header.Get("Content-Type"); tt.wantFormCT && ct != "application/x-www-form-urlencoded;charset=utf-8" {
				t.Errorf("Content-Type = %q, want Kakao's form type", ct)
			}
		})
	}
}

func TestTimeoutBoundsACallAndIsTransient(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}))
	defer srv.Close()
	a := &API{BaseURL: srv.URL, Timeout: 100 * time.Millisecond}
	start := time.Now()
	_, err := a.UserMe(context.Background(), testToken, nil)
	if err == nil {
		t.Fatal("want a timeout error")
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("call took %v, want about the 100ms timeout", d)
	}
	if !IsTransient(err) || !errors.Is(err, ErrUnavailable) {
		t.Errorf("timeout error %v: want transient ErrUnavailable", err)
	}
	if strings.Contains(err.Error(), testToken) {
		t.Errorf("error %q contains the token", err)
	}
}

func TestResponseBodyIsCapped(t *testing.T) {
	pad := func(n int) string {
		prefix, suffix := `{"id":7,"pad":"`, `"}`
		return prefix + strings.Repeat("a", n-len(prefix)-len(suffix)) + suffix
	}
	tests := []struct {
		name    string
		body    string
		wantErr bool
	}{
		{"a body of exactly the cap is read", pad(MaxResponseBytes), false},
		{"a body one byte over the cap is refused", pad(MaxResponseBytes + 1), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeKapi(t, answer{body: tt.body})
			u, err := f.api().UserMe(context.Background(), testToken, nil)
			if tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), "exceeds") {
					t.Fatalf("err = %v, want a size error", err)
				}
				if IsTransient(err) {
					t.Error("an oversized body must not count as transient")
				}
				return
			}
			if err != nil || u.ID != 7 {
				t.Fatalf("UserMe = %+v, %v", u, err)
			}
		})
	}
}

func TestRedirectsAreNeverFollowed(t *testing.T) {
	var hits atomic.Int32
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = w.Write([]byte(`{"id":1}`))
	}))
	defer elsewhere.Close()
	f := newFakeKapi(t, answer{status: http.StatusFound, header: map[string]string{"Location": elsewhere.URL + "/v1/user/logout"}})
	_, err := f.api().Logout(context.Background(), testToken)
	var ae *APIError
	if !errors.As(err, &ae) || ae.HTTPStatus != http.StatusFound {
		t.Fatalf("err = %v, want *APIError with HTTP 302", err)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("redirect target got %d requests, want 0", n)
	}
}

func TestBaseURLMustBeHTTPSExceptLoopback(t *testing.T) {
	tests := []struct {
		base    string
		want    string // "" = rejected
		comment string
	}{
		{"", "https://kapi.kakao.com/v2/user/me", "empty means Kakao"},
		{"https://kapi.kakao.com", "https://kapi.kakao.com/v2/user/me", "https is fine"},
		{"https://kapi.kakao.com/", "https://kapi.kakao.com/v2/user/me", "trailing slash is trimmed"},
		{"http://127.0.0.1:9090/kapi", "http://127.0.0.1:9090/kapi/v2/user/me", "loopback http with a path prefix"},
		{"http://localhost:9090", "http://localhost:9090/v2/user/me", "localhost http"},
		{"http://[::1]:9090", "http://[::1]:9090/v2/user/me", "IPv6 loopback http"},
		{"http://kapi.kakao.com", "", "plain http to a real host would expose the token"},
		{"http://127.0.0.1.example.com", "", "a lookalike host is not loopback"},
		{"ftp://kapi.kakao.com", "", "other schemes"},
		{"kapi.kakao.com", "", "not absolute"},
		{"https://user:pw@kapi.kakao.com", "", "user info"},
		{"https://kapi.kakao.com?x=1", "", "query"},
		{"https://kapi.kakao.com#f", "", "fragment"},
	}
	for _, tt := range tests {
		t.Run(tt.comment, func(t *testing.T) {
			u, err := (&API{BaseURL: tt.base}).endpointURL("/v2/user/me")
			if tt.want == "" {
				if err == nil {
					t.Fatalf("BaseURL %q accepted as %s", tt.base, u)
				}
				return
			}
			if err != nil || u.String() != tt.want {
				t.Fatalf("endpointURL = %v, %v; want %s", u, err, tt.want)
			}
		})
	}
}

func TestBadCredentialsAreRefusedBeforeAnyRequest(t *testing.T) {
	f := newFakeKapi(t, answer{body: `{"id":1}`})
	a := f.api()
	for name, tok := range map[string]string{"empty": "", "space": "a b", "header injection": "a\r\nX-Evil: 1", "tab": "a\tb"} {
		t.Run("access token "+name, func(t *testing.T) {
			if _, err := a.Logout(context.Background(), tok); err == nil {
				t.Fatal("want an error")
			}
		})
		t.Run("admin key "+name, func(t *testing.T) {
			if _, err := a.UnlinkUserAdmin(context.Background(), tok, 1); err == nil {
				t.Fatal("want an error")
			}
		})
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("server saw %d requests, want 0", n)
	}
}

func TestTransportFailureClassification(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()

	t.Run("connection refused is transient", func(t *testing.T) {
		_, err := (&API{BaseURL: closedURL}).Unlink(context.Background(), testToken)
		if err == nil || !IsTransient(err) {
			t.Fatalf("err = %v, want transient", err)
		}
	})
	t.Run("caller cancellation is not transient", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		f := newFakeKapi(t, answer{body: `{"id":1}`})
		_, err := f.api().Unlink(ctx, testToken)
		if err == nil || IsTransient(err) || !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want non-transient context.Canceled", err)
		}
	})
	t.Run("garbage 200 body is an error but not transient", func(t *testing.T) {
		f := newFakeKapi(t, answer{body: "<html>hello</html>"})
		_, err := f.api().UserMe(context.Background(), testToken, nil)
		if err == nil || IsTransient(err) {
			t.Fatalf("err = %v, want a non-transient decode error", err)
		}
	})
}

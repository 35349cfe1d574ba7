package kakao

import (
	"context"
	"errors"
	"net/url"
	"reflect"
	"testing"
)

func TestLogoutUnlinkSignupReturnTheUserID(t *testing.T) {
	calls := map[string]func(*API) (int64, error){
		"logout": func(a *API) (int64, error) { return a.Logout(context.Background(), testToken) },
		"unlink": func(a *API) (int64, error) { return a.Unlink(context.Background(), testToken) },
		"signup": func(a *API) (int64, error) { return a.Signup(context.Background(), testToken, nil) },
	}
	for name, call := range calls {
		t.Run(name+" returns Kakao's id", func(t *testing.T) {
			f := newFakeKapi(t, answer{body: `{"id":123456789}`})
			id, err := call(f.api())
			if err != nil || id != 123456789 {
				t.Fatalf("= %d, %v", id, err)
			}
		})
		t.Run(name+" refuses an answer without an id", func(t *testing.T) {
			f := newFakeKapi(t, answer{body: `{}`})
			if id, err := call(f.api()); err == nil {
				t.Fatalf("accepted {} as id %d", id)
			}
		})
		t.Run(name+" maps -401 to ErrTokenInvalid", func(t *testing.T) {
			f := newFakeKapi(t, answer{status: 401, body: fixture(t, "error_invalid_token.json"),
				header: map[string]string{"WWW-Authenticate": "Bearer error=invalid_token"}})
			if _, err := call(f.api()); !errors.Is(err, ErrTokenInvalid) {
				t.Fatalf("err = %v, want ErrTokenInvalid", err)
			}
		})
	}
}

func TestSignupForm(t *testing.T) {
	tests := []struct {
		name  string
		props map[string]string
		want  url.Values
	}{
		{"no properties sends an empty form", nil, url.Values{}},
		{"properties are one JSON object", map[string]string{"plan": "gold"}, url.Values{"properties": {`{"plan":"gold"}`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeKapi(t, answer{body: `{"id":5}`})
			if _, err := f.api().Signup(context.Background(), testToken, tt.props); err != nil {
				t.Fatal(err)
			}
			got, err := url.ParseQuery(f.only(t).body)
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("form = %v (%v), want %v", got, err, tt.want)
			}
		})
	}
	t.Run("an already linked user is ErrAlreadyLinked", func(t *testing.T) {
		f := newFakeKapi(t, answer{status: 400, body: fixture(t, "error_already_linked.json")})
		if _, err := f.api().Signup(context.Background(), testToken, nil); !errors.Is(err, ErrAlreadyLinked) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestTokenInfo(t *testing.T) {
	f := newFakeKapi(t, answer{body: `{"id":123456789,"expires_in":7199,"app_id":100001}`})
	got, err := f.api().TokenInfo(context.Background(), testToken)
	want := &TokenInfo{ID: 123456789, ExpiresIn: 7199, AppID: 100001}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("TokenInfo = %+v, %v; want %+v", got, err, want)
	}
}

func TestAdminCalls(t *testing.T) {
	calls := map[string]struct {
		path string
		call func(a *API, key string, id int64) (int64, error)
	}{
		"unlink": {"/v1/user/unlink", func(a *API, k string, id int64) (int64, error) {
			return a.UnlinkUserAdmin(context.Background(), k, id)
		}},
		"logout": {"/v1/user/logout", func(a *API, k string, id int64) (int64, error) {
			return a.LogoutUserAdmin(context.Background(), k, id)
		}},
	}
	for name, c := range calls {
		t.Run(name+" uses KakaoAK and targets the user id", func(t *testing.T) {
			f := newFakeKapi(t, answer{body: `{"id":1001}`})
			id, err := c.call(f.api(), "demo-admin-key", 1001)
			if err != nil || id != 1001 {
				t.Fatalf("= %d, %v", id, err)
			}
			r := f.only(t)
			if r.method != "POST" || r.path != c.path || r.header.Get("Authorization") != "KakaoAK demo-admin-key" {
				t.Errorf("request %s %s auth %q", r.method, r.path, r.header.Get("Authorization"))
			}
			form, _ := url.ParseQuery(r.body)
			if want := (url.Values{"target_id_type": {"user_id"}, "target_id": {"1001"}}); !reflect.DeepEqual(form, want) {
				t.Errorf("form = %v, want %v", form, want)
			}
		})
		t.Run(name+" refuses an answer about another user", func(t *testing.T) {
			f := newFakeKapi(t, answer{body: `{"id":1002}`})
			if _, err := c.call(f.api(), "demo-admin-key", 1001); err == nil {
				t.Fatal("accepted an answer for another user")
			}
		})
		t.Run(name+" refuses a non-positive user id without calling", func(t *testing.T) {
			f := newFakeKapi(t, answer{body: `{"id":0}`})
			if _, err := c.call(f.api(), "demo-admin-key", 0); err == nil {
				t.Fatal("accepted user id 0")
			}
			if n := len(f.requests()); n != 0 {
				t.Errorf("server saw %d requests", n)
			}
		})
		t.Run(name+" maps -101 to ErrNotLinked", func(t *testing.T) {
			f := newFakeKapi(t, answer{status: 400, body: fixture(t, "error_not_linked.json")})
			if _, err := c.call(f.api(), "demo-admin-key", 1001); !errors.Is(err, ErrNotLinked) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

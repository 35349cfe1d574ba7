package kakaotest

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
)

const formPage = `<!doctype html><html><body>
<form action="/search" method="get"><input name="q" value="x"><button name="go" value="1">Go</button></form>
<form action="../logout" method="POST">
  <input type="hidden" name="csrf" value="tok">
  <input type="checkbox" name="keep" value="yes" checked>
  <input type="checkbox" name="drop" value="no">
  <input type="checkbox" name="flag" checked>
  <input type="radio" name="mode" value="a">
  <input type="radio" name="mode" value="b" checked>
  <input type="text" name="off" value="z" disabled>
  <select name="color"><option value="red">Red</option><option value="blue" selected>Blue</option></select>
  <textarea name="note">hi there</textarea>
  <input type="submit" name="action" value="save">
  <button name="action" value="delete">Delete</button>
  <button type="button" name="noop" value="1">Not a submit</button>
</form></body></html>`

func TestParseFormsCollectsWhatABrowserSubmits(t *testing.T) {
	base, _ := url.Parse("http://gw.test/.auth/logout/confirm?x=1")
	forms, err := ParseForms(strings.NewReader(formPage), base)
	if err != nil {
		t.Fatal(err)
	}
	if len(forms) != 2 {
		t.Fatalf("%d forms", len(forms))
	}
	f := forms[1]
	if f.Method != http.MethodPost || f.Action.String() != "http://gw.test/.auth/logout" {
		t.Fatalf("form %s %s", f.Method, f.Action)
	}
	want := url.Values{"csrf": {"tok"}, "keep": {"yes"}, "flag": {"on"}, "mode": {"b"}, "color": {"blue"}, "note": {"hi there"}}
	if f.Fields.Encode() != want.Encode() {
		t.Fatalf("fields %v, want %v", f.Fields, want)
	}
	var names []string
	for _, b := range f.Buttons {
		names = append(names, b.Name+"="+b.Value)
	}
	if !slices.Equal(names, []string{"action=save", "action=delete"}) {
		t.Fatalf("buttons %v", names)
	}
	if forms[0].Method != http.MethodGet || forms[0].Action.String() != "http://gw.test/search" {
		t.Fatalf("first form %s %s", forms[0].Method, forms[0].Action)
	}
}

func TestSubmitFormSendsFieldsAndButton(t *testing.T) {
	var got url.Values
	var method string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/page" {
			_, _ = w.Write([]byte(formPage))
			return
		}
		_ = r.ParseForm()
		got, method = r.Form, r.Method
	}))
	defer srv.Close()
	tests := []struct {
		name, button, value, wantMethod string
		want                            url.Values
		wantErr                         error
	}{
		{"post form with the pressed button", "action", "delete", http.MethodPost,
			url.Values{"csrf": {"tok"}, "keep": {"yes"}, "flag": {"on"}, "mode": {"b"}, "color": {"blue"}, "note": {"hi there"}, "action": {"delete"}}, nil},
		{"get form in the query", "go", "1", http.MethodGet, url.Values{"q": {"x"}, "go": {"1"}}, nil},
		{"missing button is ErrNoForm", "action", "nuke", "", nil, ErrNoForm},
		{"non-submit button is not pressable", "noop", "1", "", nil, ErrNoForm},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, method = nil, ""
			page, err := http.Get(srv.URL + "/page")
			if err != nil {
				t.Fatal(err)
			}
			resp, err := SubmitForm(http.DefaultClient, page, tt.button, tt.value)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if method != tt.wantMethod || got.Encode() != tt.want.Encode() {
				t.Fatalf("got %s %v, want %s %v", method, got, tt.wantMethod, tt.want)
			}
		})
	}
}

func TestLoginRejectsUnknownUser(t *testing.T) {
	srv := newEmu(t, nil)
	if _, err := Login(browser(t, ""), authorizeURL(srv, nil), 4242); err == nil {
		t.Fatal("login as an unknown user succeeded")
	}
}

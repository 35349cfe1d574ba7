package kakaotest

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jws"
)

func TestCodeFlowIssuesVerifiableIDToken(t *testing.T) {
	srv := newEmu(t, nil)
	c := browser(t, "")

	// The first page is the login form with one button per test user.
	verifier, challenge := pkce()
	start := authorizeURL(srv, map[string]string{"state": "xyz", "nonce": "n-123", "code_challenge": challenge, "code_challenge_method": "S256"})
	page, err := c.Get(start)
	if err != nil {
		t.Fatal(err)
	}
	forms, err := pageForms(page)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"1001", "1002", "1003", "1004"} {
		if _, ok := findForm(forms, "user", id); !ok {
			t.Fatalf("login page has no button user=%s", id)
		}
	}
	consent, err := SubmitForm(c, page, "user", "1001")
	if err != nil {
		t.Fatal(err)
	}
	// The consent page: agree is the first button, cancel the one after.
	forms, err = pageForms(consent)
	if err != nil {
		t.Fatal(err)
	}
	f, ok := findForm(forms, "consent", "agree")
	if !ok || len(f.Buttons) != 2 || f.Buttons[0].Value != "agree" || f.Buttons[1].Value != "cancel" {
		t.Fatalf("consent form buttons: %+v", f)
	}
	if got := f.Fields["scope"]; !slices.Equal(got, []string{"profile_image", "account_email"}) {
		t.Fatalf("checked optional items = %v, want profile_image account_email (nickname is required)", got)
	}
	resp, err := SubmitForm(c, consent, "consent", "agree")
	if err != nil {
		t.Fatal(err)
	}
	raw, q := callback(t, resp)
	if q.Get("state") != "xyz" || q.Get("code") == "" || !strings.HasPrefix(raw, "code=") {
		t.Fatalf("callback query %q", raw)
	}
	if !srv.Linked(1001) {
		t.Fatal("user 1001 not linked after consent")
	}

	status, body := exchange(t, srv, q.Get("code"), verifier)
	if status != http.StatusOK {
		t.Fatalf("exchange: %d %v", status, body)
	}
	if str(body, "token_type") != "bearer" || num(body, "expires_in") != 21599 || num(body, "refresh_token_expires_in") != 5183999 {
		t.Fatalf("token response %v", body)
	}
	if got := strings.Fields(str(body, "scope")); !slices.Equal(got, []string{"openid", "profile_nickname", "profile_image", "account_email"}) {
		t.Fatalf("scope = %q", str(body, "scope"))
	}
	tok, err := verifyIDToken(t, srv, str(body, "id_token"))
	if err != nil {
		t.Fatalf("id token does not verify: %v", err)
	}
	nonce, _ := tok.Get("nonce")
	email, _ := tok.Get("email")
	nickname, _ := tok.Get("nickname")
	if tok.Subject() != "1001" || nonce != "n-123" || email != "ryan@example.com" || nickname != "Ryan" {
		t.Fatalf("claims sub=%q nonce=%v email=%v nickname=%v", tok.Subject(), nonce, email, nickname)
	}
	if d := tok.Expiration().Sub(tok.IssuedAt()); d.Seconds() != 21599 {
		t.Fatalf("exp - iat = %v, want 21599s", d)
	}
	if _, ok := tok.Get("auth_time"); !ok {
		t.Fatal("no auth_time claim")
	}
	msg, err := jws.Parse([]byte(str(body, "id_token")))
	if err != nil {
		t.Fatal(err)
	}
	hdr := msg.Signatures()[0].ProtectedHeaders()
	if hdr.KeyID() != srv.KeyID() || hdr.Algorithm() != jwa.RS256 || hdr.Type() != "JWT" {
		t.Fatalf("header kid=%q alg=%v typ=%q", hdr.KeyID(), hdr.Algorithm(), hdr.Type())
	}
	var payload map[string]any
	if err := json.Unmarshal(msg.Payload(), &payload); err != nil {
		t.Fatal(err)
	}
	if payload["aud"] != DefaultClientID || payload["iss"] != srv.URL() {
		t.Fatalf("aud %v iss %v: want plain strings", payload["aud"], payload["iss"])
	}
}

func TestAuthorizeSkipsLoginAndConsentForLinkedUser(t *testing.T) {
	srv := newEmu(t, nil)
	c := browser(t, "")
	loginCode(t, srv, c, 1001, nil)
	resp, err := c.Get(authorizeURL(srv, map[string]string{"state": "again"}))
	if err != nil {
		t.Fatal(err)
	}
	_, q := callback(t, resp) // straight to the app: no login page, no consent page
	if q.Get("code") == "" || q.Get("state") != "again" {
		t.Fatalf("callback %v", q)
	}
}

func TestKakaoTalkPromptNone(t *testing.T) {
	srv := newEmu(t, nil)
	if err := srv.Link(1001); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		talkUser  string // set through POST /emulator/talk_user
		wantQuery string // exact callback query, or "" for a code
	}{
		{"linked talk user gets a code", "1001", ""},
		{"unlinked talk user gets consent_required", "1002", "error=consent_required&error_description=user%20consent%20required.&state=s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if status, body := postForm(t, srv, "/emulator/talk_user?id="+tt.talkUser, nil, ""); status != http.StatusOK {
				t.Fatalf("talk_user: %d %v", status, body)
			}
			resp, err := browser(t, talkUA).Get(authorizeURL(srv, map[string]string{"prompt": "none", "state": "s"}))
			if err != nil {
				t.Fatal(err)
			}
			raw, q := callback(t, resp)
			if tt.wantQuery == "" && (q.Get("code") == "" || q.Get("state") != "s") {
				t.Fatalf("want a code, got %q", raw)
			}
			if tt.wantQuery != "" && raw != tt.wantQuery {
				t.Fatalf("query = %q, want %q", raw, tt.wantQuery)
			}
		})
	}
}

func TestPromptBehaviour(t *testing.T) {
	srv := newEmu(t, nil)
	signedIn := browser(t, "")
	loginCode(t, srv, signedIn, 1001, nil)
	tests := []struct {
		name   string
		client *http.Client
		prompt string
		want   string // "code", "login page" or an error value
	}{
		{"prompt=none without any session is login_required", browser(t, ""), "none", "login_required"},
		{"prompt=none with a linked session gives a code", signedIn, "none", "code"},
		{"prompt=login forces the login page", signedIn, "login", "login page"},
		{"prompt=select_account shows the chooser", signedIn, "select_account", "login page"},
		{"prompt=login is ignored in KakaoTalk", browser(t, talkUA), "login", "code"},
		{"prompt=none cannot be combined", signedIn, "none,login", "invalid_request"},
		{"unknown prompt is invalid_request", signedIn, "bogus", "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := tt.client.Get(authorizeURL(srv, map[string]string{"prompt": tt.prompt}))
			if err != nil {
				t.Fatal(err)
			}
			if tt.want == "login page" {
				forms, err := pageForms(resp)
				if err != nil || !hasButtonNamed(forms, "user") {
					t.Fatalf("want the login page, got %d (%v)", resp.StatusCode, err)
				}
				return
			}
			_, q := callback(t, resp)
			if tt.want == "code" && q.Get("code") == "" || tt.want != "code" && q.Get("error") != tt.want {
				t.Fatalf("callback %v, want %s", q, tt.want)
			}
		})
	}
}

func TestAuthorizeConfigurationErrorsShowPage(t *testing.T) {
	srv := newEmu(t, nil)
	tests := []struct {
		name   string
		params map[string]string
		koe    string
	}{
		{"wrong client_id is KOE101", map[string]string{"client_id": "nope"}, "KOE101"},
		{"missing client_id is KOE101", map[string]string{"client_id": ""}, "KOE101"},
		{"unregistered redirect_uri is KOE006", map[string]string{"redirect_uri": "http://evil.test/callback"}, "KOE006"},
		{"redirect_uri prefix is not a match", map[string]string{"redirect_uri": testRedirect + "/x"}, "KOE006"},
		{"unsupported response_type is KOE201", map[string]string{"response_type": "id_token"}, "KOE201"},
		{"implicit grant is KOE202", map[string]string{"response_type": "token"}, "KOE202"},
		{"unknown scope is KOE205", map[string]string{"scope": "openid,friends_of_friends"}, "KOE205"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := browser(t, "").Get(authorizeURL(srv, tt.params))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusBadRequest || resp.Header.Get("Location") != "" {
				t.Fatalf("status %d Location %q, want a 400 page", resp.StatusCode, resp.Header.Get("Location"))
			}
			if !strings.Contains(string(body), `<strong id="error-code">`+tt.koe+`</strong>`) {
				t.Fatalf("page does not show %s: %.300s", tt.koe, body)
			}
		})
	}
}

func TestAuthorizeRequestErrorsRedirect(t *testing.T) {
	srv := newEmu(t, nil)
	_, challenge := pkce()
	tests := []struct {
		name   string
		params map[string]string
		want   string
	}{
		{"plain PKCE is refused", map[string]string{"code_challenge": challenge, "code_challenge_method": "plain"}, "invalid_request"},
		{"challenge without method is refused", map[string]string{"code_challenge": challenge}, "invalid_request"},
		{"malformed challenge is refused", map[string]string{"code_challenge": "short", "code_challenge_method": "S256"}, "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.params["state"] = "st"
			resp, err := browser(t, "").Get(authorizeURL(srv, tt.params))
			if err != nil {
				t.Fatal(err)
			}
			_, q := callback(t, resp)
			if q.Get("error") != tt.want || q.Get("state") != "st" || q.Get("code") != "" {
				t.Fatalf("callback %v, want error=%s", q, tt.want)
			}
		})
	}
}

func TestConsentCancelIsAccessDenied(t *testing.T) {
	srv := newEmu(t, nil)
	c := browser(t, "")
	page, err := c.Get(authorizeURL(srv, map[string]string{"state": "st"}))
	if err != nil {
		t.Fatal(err)
	}
	consent, err := SubmitForm(c, page, "user", "1004")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := SubmitForm(c, consent, "consent", "cancel")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := callback(t, resp)
	if raw != "error=access_denied&error_description=User%20denied%20access&state=st" {
		t.Fatalf("query = %q", raw)
	}
	if srv.Linked(1004) {
		t.Fatal("a cancelled consent linked the user")
	}
}

func TestAdditionalConsentUpdatesScope(t *testing.T) {
	srv := newEmu(t, nil)
	c := browser(t, "")
	code, verifier := loginCode(t, srv, c, 1001, map[string]string{"scope": "openid,profile_nickname"})
	_, first := exchange(t, srv, code, verifier)
	if got := str(first, "scope"); got != "openid profile_nickname" {
		t.Fatalf("first scope = %q", got)
	}
	_, me := getJSON(t, srv, "/v2/user/me", "Bearer "+str(first, "access_token"))
	acct, _ := me["kakao_account"].(map[string]any)
	if acct["email_needs_agreement"] != true || acct["email"] != nil {
		t.Fatalf("before additional consent: %v", acct)
	}

	// Only the missing item is on the consent page.
	page, err := c.Get(authorizeURL(srv, map[string]string{"scope": "account_email,openid"}))
	if err != nil {
		t.Fatal(err)
	}
	forms, err := pageForms(page)
	if err != nil {
		t.Fatal(err)
	}
	f, ok := findForm(forms, "consent", "agree")
	if !ok || !slices.Equal(f.Fields["scope"], []string{"account_email"}) {
		t.Fatalf("consent form %+v", f)
	}
	resp, err := SubmitForm(c, page, "consent", "agree")
	if err != nil {
		t.Fatal(err)
	}
	_, q := callback(t, resp)
	status, second := exchange(t, srv, q.Get("code"), "")
	if status != http.StatusOK {
		t.Fatalf("exchange: %d %v", status, second)
	}
	if got := str(second, "scope"); got != "openid profile_nickname account_email" {
		t.Fatalf("scope after additional consent = %q", got)
	}
	tok, err := verifyIDToken(t, srv, str(second, "id_token"))
	if err != nil {
		t.Fatal(err)
	}
	if email, _ := tok.Get("email"); email != "ryan@example.com" {
		t.Fatalf("email claim = %v", email)
	}
}

func TestUncheckedItemIsNotAgreed(t *testing.T) {
	srv := newEmu(t, nil)
	c := browser(t, "")
	page, err := c.Get(authorizeURL(srv, nil))
	if err != nil {
		t.Fatal(err)
	}
	consent, err := SubmitForm(c, page, "user", "1001")
	if err != nil {
		t.Fatal(err)
	}
	forms, err := pageForms(consent)
	if err != nil {
		t.Fatal(err)
	}
	f, _ := findForm(forms, "consent", "agree")
	f.Fields.Del("scope")
	f.Fields.Add("scope", "profile_image") // the user unticks account_email
	req, err := f.NewRequest(t.Context(), "consent", "agree")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	callback(t, resp)
	if got := srv.AgreedScopes(1001); !slices.Equal(got, []string{"profile_nickname", "profile_image"}) {
		t.Fatalf("agreed = %v, want the required nickname and the ticked image", got)
	}
}

// TestErrorsWithoutStateLeaveStateOutOfErrorRedirects: with Options.ErrorsWithoutState an error redirect leaves out state
// (the failure mode a client's silent login must survive); codes keep it.
func TestErrorsWithoutStateLeaveStateOutOfErrorRedirects(t *testing.T) {
	srv := newEmu(t, func(o *Options) { o.ErrorsWithoutState = true })
	if status, body := postForm(t, srv, "/emulator/talk_user?id=1002", nil, ""); status != http.StatusOK {
		t.Fatalf("talk_user: %d %v", status, body)
	}
	resp, err := browser(t, talkUA).Get(authorizeURL(srv, map[string]string{"prompt": "none", "state": "s"}))
	if err != nil {
		t.Fatal(err)
	}
	if raw, _ := callback(t, resp); raw != "error=consent_required&error_description=user%20consent%20required." {
		t.Fatalf("query = %q, want the error without state", raw)
	}
}

package kakaotest

import (
	"net/http"
	"net/url"
	"testing"
	"time"
)

func TestTokenErrors(t *testing.T) {
	tests := []struct {
		name    string
		opts    func(*Options)
		form    func(code, verifier string) url.Values
		before  func(t *testing.T, srv *Server, code, verifier string)
		status  int
		koe     string
		errCode string
	}{
		{
			name: "PKCE verifier mismatch is KOE320",
			form: func(code, _ string) url.Values {
				return codeForm(code, randomToken(32), DefaultClientSecret, testRedirect)
			},
			status: 400, koe: "KOE320", errCode: "invalid_grant",
		},
		{
			name: "missing PKCE verifier is KOE320",
			form: func(code, _ string) url.Values {
				return codeForm(code, "", DefaultClientSecret, testRedirect)
			},
			status: 400, koe: "KOE320", errCode: "invalid_grant",
		},
		{
			name: "reused code is KOE320",
			before: func(t *testing.T, srv *Server, code, verifier string) {
				if status, body := exchange(t, srv, code, verifier); status != http.StatusOK {
					t.Fatalf("first exchange: %d %v", status, body)
				}
			},
			form: func(code, verifier string) url.Values {
				return codeForm(code, verifier, DefaultClientSecret, testRedirect)
			},
			status: 400, koe: "KOE320", errCode: "invalid_grant",
		},
		{
			name:   "expired code is KOE320",
			before: func(_ *testing.T, srv *Server, _, _ string) { srv.Advance(DefaultCodeTTL + time.Second) },
			form: func(code, verifier string) url.Values {
				return codeForm(code, verifier, DefaultClientSecret, testRedirect)
			},
			status: 400, koe: "KOE320", errCode: "invalid_grant",
		},
		{
			name: "different redirect_uri is KOE303",
			opts: func(o *Options) { o.RedirectURIs = append(o.RedirectURIs, "http://app.test/other") },
			form: func(code, verifier string) url.Values {
				return codeForm(code, verifier, DefaultClientSecret, "http://app.test/other")
			},
			status: 400, koe: "KOE303", errCode: "invalid_grant",
		},
		{
			name: "wrong client secret is KOE010",
			form: func(code, verifier string) url.Values {
				return codeForm(code, verifier, "wrong", testRedirect)
			},
			status: 401, koe: "KOE010", errCode: "invalid_client",
		},
		{
			name: "missing client secret is KOE010",
			form: func(code, verifier string) url.Values {
				return codeForm(code, verifier, "", testRedirect)
			},
			status: 401, koe: "KOE010", errCode: "invalid_client",
		},
		{
			name: "wrong client_id is KOE101",
			form: func(code, verifier string) url.Values {
				f := codeForm(code, verifier, DefaultClientSecret, testRedirect)
				f.Set("client_id", "other-app")
				return f
			},
			status: 401, koe: "KOE101", errCode: "invalid_client",
		},
		{
			name: "client secret off accepts no secret",
			opts: func(o *Options) { o.DisableClientSecret = true },
			form: func(code, verifier string) url.Values {
				return codeForm(code, verifier, "", testRedirect)
			},
			status: 200,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newEmu(t, tt.opts)
			code, verifier := loginCode(t, srv, browser(t, ""), 1001, nil)
			if tt.before != nil {
				tt.before(t, srv, code, verifier)
			}
			status, body := postForm(t, srv, "/oauth/token", tt.form(code, verifier), "")
			if status != tt.status || str(body, "error_code") != tt.koe || str(body, "error") != tt.errCode {
				t.Fatalf("got %d %v, want %d %s %s", status, body, tt.status, tt.errCode, tt.koe)
			}
			if tt.status != 200 && str(body, "error_description") == "" {
				t.Fatal("error without error_description")
			}
		})
	}
}

// codeForm is an authorization_code grant body.
func codeForm(code, verifier, secret, redirect string) url.Values {
	f := url.Values{"grant_type": {"authorization_code"}, "client_id": {DefaultClientID}, "redirect_uri": {redirect}, "code": {code}}
	if verifier != "" {
		f.Set("code_verifier", verifier)
	}
	if secret != "" {
		f.Set("client_secret", secret)
	}
	return f
}

func TestRefresh(t *testing.T) {
	tests := []struct {
		name         string
		scope        string // authorize scope parameter ("" = defaults, with openid)
		advance      time.Duration
		wantStatus   int
		wantRotation bool
		wantIDToken  bool
	}{
		{"with more than a month left the refresh token is kept", "", time.Hour, 200, false, true},
		{"with less than a month left the refresh token rotates", "", 31 * 24 * time.Hour, 200, true, true},
		{"without openid no id token is refreshed", "profile_nickname", time.Hour, 200, false, false},
		{"an expired refresh token is KOE322", "", DefaultRefreshTokenTTL + time.Second, 400, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newEmu(t, nil)
			params := map[string]string{}
			if tt.scope != "" {
				params["scope"] = tt.scope
			}
			first := tokens(t, srv, 1001, params)
			oldRT := str(first, "refresh_token")
			srv.Advance(tt.advance)
			status, body := refreshWith(t, srv, oldRT)
			if status != tt.wantStatus {
				t.Fatalf("refresh: %d %v", status, body)
			}
			if status != 200 {
				if str(body, "error_code") != "KOE322" || str(body, "error") != "invalid_grant" {
					t.Fatalf("refresh error %v", body)
				}
				return
			}
			if str(body, "access_token") == "" || str(body, "access_token") == str(first, "access_token") || num(body, "expires_in") != 21599 {
				t.Fatalf("refresh response %v", body)
			}
			if _, ok := body["scope"]; ok {
				t.Fatal("refresh response carries scope")
			}
			if got := str(body, "id_token") != ""; got != tt.wantIDToken {
				t.Fatalf("id token on refresh = %v, want %v", got, tt.wantIDToken)
			}
			if tt.wantIDToken {
				tok, err := verifyIDToken(t, srv, str(body, "id_token"))
				if err != nil {
					t.Fatal(err)
				}
				if _, ok := tok.Get("nonce"); ok || tok.Subject() != "1001" {
					t.Fatalf("refreshed id token sub=%s nonce present=%v", tok.Subject(), ok)
				}
			}
			newRT := str(body, "refresh_token")
			if rotated := newRT != ""; rotated != tt.wantRotation {
				t.Fatalf("rotated = %v, want %v (%v)", rotated, tt.wantRotation, body)
			}
			status, again := refreshWith(t, srv, oldRT)
			if tt.wantRotation {
				if status != 400 || str(again, "error_code") != "KOE322" {
					t.Fatalf("old refresh token after rotation: %d %v", status, again)
				}
				if num(body, "refresh_token_expires_in") != 5183999 {
					t.Fatalf("refresh_token_expires_in = %v", body["refresh_token_expires_in"])
				}
				if status, _ := refreshWith(t, srv, newRT); status != 200 {
					t.Fatalf("new refresh token: %d", status)
				}
			} else if status != 200 {
				t.Fatalf("kept refresh token no longer works: %d %v", status, again)
			}
		})
	}
}

func TestJWKSRotation(t *testing.T) {
	srv := newEmu(t, nil)
	before := str(tokens(t, srv, 1001, nil), "id_token")
	oldKID := srv.KeyID()
	if len(oldKID) != 30 {
		t.Fatalf("kid %q is not 30 hex chars", oldKID)
	}
	if err := srv.RotateKeys(); err != nil {
		t.Fatal(err)
	}
	after := str(tokens(t, srv, 1004, nil), "id_token")
	if srv.KeyID() == oldKID {
		t.Fatal("rotation kept the kid")
	}
	for name, raw := range map[string]string{"token signed before one rotation": before, "token signed after": after} {
		if _, err := verifyIDToken(t, srv, raw); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	if err := srv.RotateKeys(); err != nil {
		t.Fatal(err)
	}
	if _, err := verifyIDToken(t, srv, before); err == nil {
		t.Fatal("a token signed two rotations ago still verifies")
	}
	_, set := getJSON(t, srv, "/.well-known/jwks.json", "")
	keys, _ := set["keys"].([]any)
	if len(keys) != 2 {
		t.Fatalf("jwks has %d keys, want 2", len(keys))
	}
	k, _ := keys[0].(map[string]any)
	if k["kty"] != "RSA" || k["alg"] != "RS256" || k["use"] != "sig" || k["e"] != "AQAB" || k["kid"] != srv.KeyID() {
		t.Fatalf("jwks key %v", k)
	}
}

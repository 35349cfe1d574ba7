package kakaotest

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jwt"
)

// The app's registered URIs in tests: never contacted, the test browser
// stops at them.
const (
	testRedirect       = "http://app.test/callback"
	testLogoutRedirect = "http://app.test/logout/callback"
	talkUA             = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Mobile Safari/537.36 KAKAOTALK/10.8.5"
)

// newEmu starts an emulator for the test app; mod adjusts the options.
func newEmu(t *testing.T, mod func(*Options)) *Server {
	t.Helper()
	opts := Options{RedirectURIs: []string{testRedirect}, LogoutRedirectURIs: []string{testLogoutRedirect}}
	if mod != nil {
		mod(&opts)
	}
	srv := NewServer(opts)
	t.Cleanup(srv.Close)
	return srv
}

// uaTransport sets a User-Agent on every request.
type uaTransport struct{ ua string }

// RoundTrip implements http.RoundTripper.
func (u uaTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("User-Agent", u.ua)
	return http.DefaultTransport.RoundTrip(r)
}

// browser returns a cookie-jar client that follows redirects except to the
// app (app.test), whose redirect it returns, like a browser stopped at the
// callback. A non-empty ua is sent as User-Agent.
func browser(t *testing.T, ua string) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	if ua != "" {
		c.Transport = uaTransport{ua}
	}
	c.CheckRedirect = func(req *http.Request, _ []*http.Request) error {
		if req.URL.Host == "app.test" {
			return http.ErrUseLastResponse
		}
		return nil
	}
	return c
}

// authorizeURL builds an authorize URL for the test app; params override
// or add to client_id, redirect_uri and response_type (an empty value
// removes the parameter).
func authorizeURL(srv *Server, params map[string]string) string {
	q := url.Values{"client_id": {DefaultClientID}, "redirect_uri": {testRedirect}, "response_type": {"code"}}
	for k, v := range params {
		if v == "" {
			q.Del(k)
		} else {
			q.Set(k, v)
		}
	}
	return srv.URL() + "/oauth/authorize?" + q.Encode()
}

// callback asserts resp is the redirect to the app and returns its raw
// query and parsed values.
func callback(t *testing.T, resp *http.Response) (string, url.Values) {
	t.Helper()
	defer resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, "http://app.test/") {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("want a 302 to the app, got %d Location %q body %.300s", resp.StatusCode, loc, body)
	}
	u, err := url.Parse(loc)
	if err != nil {
		t.Fatal(err)
	}
	return u.RawQuery, u.Query()
}

// pkce returns a verifier and its S256 challenge.
func pkce() (verifier, challenge string) {
	verifier = randomToken(32)
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

// loginCode logs userID in through the pages (login, consent) and returns
// the code and the PKCE verifier used.
func loginCode(t *testing.T, srv *Server, c *http.Client, userID int64, params map[string]string) (code, verifier string) {
	t.Helper()
	verifier, challenge := pkce()
	p := map[string]string{"state": "st", "nonce": "n0nce", "code_challenge": challenge, "code_challenge_method": "S256"}
	for k, v := range params {
		p[k] = v
	}
	resp, err := Login(c, authorizeURL(srv, p), userID)
	if err != nil {
		t.Fatal(err)
	}
	_, q := callback(t, resp)
	if q.Get("code") == "" {
		t.Fatalf("no code in callback: %v", q)
	}
	return q.Get("code"), verifier
}

// postForm posts form to an emulator path and decodes the JSON answer.
func postForm(t *testing.T, srv *Server, path string, form url.Values, auth string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL()+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded;charset=utf-8")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	return doJSON(t, req)
}

// getJSON sends a GET with an Authorization header and decodes the answer.
func getJSON(t *testing.T, srv *Server, path, auth string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	return doJSON(t, req)
}

// doJSON runs req and decodes a JSON object body.
func doJSON(t *testing.T, req *http.Request) (int, map[string]any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil && !errors.Is(err, io.EOF) {
		t.Fatalf("%s %s: decoding body: %v", req.Method, req.URL.Path, err)
	}
	return resp.StatusCode, body
}

// exchange redeems a code with the test app's credentials.
func exchange(t *testing.T, srv *Server, code, verifier string) (int, map[string]any) {
	t.Helper()
	return postForm(t, srv, "/oauth/token", url.Values{
		"grant_type": {"authorization_code"}, "client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret},
		"redirect_uri": {testRedirect}, "code": {code}, "code_verifier": {verifier},
	}, "")
}

// refreshWith runs the refresh grant.
func refreshWith(t *testing.T, srv *Server, rt string) (int, map[string]any) {
	t.Helper()
	return postForm(t, srv, "/oauth/token", url.Values{
		"grant_type": {"refresh_token"}, "client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret},
		"refresh_token": {rt},
	}, "")
}

// tokens logs userID in and exchanges the code; it fails the test unless
// the exchange succeeds.
func tokens(t *testing.T, srv *Server, userID int64, params map[string]string) map[string]any {
	t.Helper()
	code, verifier := loginCode(t, srv, browser(t, ""), userID, params)
	status, body := exchange(t, srv, code, verifier)
	if status != http.StatusOK {
		t.Fatalf("exchange: %d %v", status, body)
	}
	return body
}

// verifyIDToken checks raw's signature against the emulator's JWKS and its
// iss, aud, exp and iat (on the emulator's clock), independently of any
// kakaogate package.
func verifyIDToken(t *testing.T, srv *Server, raw string) (jwt.Token, error) {
	t.Helper()
	set, err := jwk.Fetch(context.Background(), srv.URL()+"/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	return jwt.Parse([]byte(raw), jwt.WithKeySet(set), jwt.WithValidate(true),
		jwt.WithIssuer(srv.URL()), jwt.WithAudience(DefaultClientID), jwt.WithClock(jwt.ClockFunc(srv.now)))
}

// str returns body[key] as a string ("" when absent or not a string).
func str(body map[string]any, key string) string {
	s, _ := body[key].(string)
	return s
}

// num returns body[key] as a number (0 when absent).
func num(body map[string]any, key string) float64 {
	f, _ := body[key].(float64)
	return f
}

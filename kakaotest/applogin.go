package kakaotest

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"time"
)

// AppTokens are the tokens an app got from the token endpoint.
type AppTokens struct {
	AccessToken  string `json:"access_token"`
	IDToken      string `json:"id_token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int64  `json:"expires_in"`
	Scope        string `json:"scope"`
}

// AppLogin does what a native app's Kakao SDK does, against the emulator at issuer: the code
// flow with PKCE for the app key app (its first redirect URI; the emulator's pages are
// walked as the person userID, who agrees to everything asked), then the code exchange. It
// returns the app's tokens. The HTTP client is its own, with a cookie jar and a 15 s timeout.
func AppLogin(issuer string, app App, userID int64, scopes ...string) (*AppTokens, error) {
	if len(app.RedirectURIs) == 0 {
		return nil, errors.New("kakaotest: AppLogin: the app has no redirect URI")
	}
	jar, _ := cookiejar.New(nil)
	redirect := app.RedirectURIs[0]
	client := &http.Client{Jar: jar, Timeout: 15 * time.Second, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), redirect) {
			return http.ErrUseLastResponse // the app's own URI (kakao<key>://oauth): the SDK takes over
		}
		return nil
	}}
	verifier := randomToken(32)
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{"client_id": {app.ClientID}, "redirect_uri": {redirect}, "response_type": {"code"},
		"state": {randomToken(8)}, "code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	if len(scopes) > 0 {
		q.Set("scope", strings.Join(scopes, ","))
	}
	resp, err := Login(client, strings.TrimRight(issuer, "/")+"/oauth/authorize?"+q.Encode(), userID)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound || loc.Query().Get("code") == "" {
		return nil, fmt.Errorf("kakaotest: AppLogin: no code: status %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	form := url.Values{"grant_type": {"authorization_code"}, "client_id": {app.ClientID}, "redirect_uri": {redirect},
		"code": {loc.Query().Get("code")}, "code_verifier": {verifier}}
	if app.ClientSecret != "" {
		form.Set("client_secret", app.ClientSecret)
	}
	return postTokenForm(client, strings.TrimRight(issuer, "/")+"/oauth/token", form)
}

// postTokenForm posts form to the token endpoint and decodes the tokens.
func postTokenForm(client *http.Client, endpoint string, form url.Values) (*AppTokens, error) {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded;charset=utf-8")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("kakaotest: AppLogin: token request: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("kakaotest: AppLogin: token endpoint answered %d: %.300s", resp.StatusCode, body)
	}
	var t AppTokens
	if err := json.Unmarshal(body, &t); err != nil || t.AccessToken == "" {
		return nil, fmt.Errorf("kakaotest: AppLogin: token response %.300s: %v", body, err)
	}
	return &t, nil
}

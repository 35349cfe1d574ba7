package e2e

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// startLoginState opens /.auth/login with c (not following) and returns the state of the
// authorization request: what any stranger can fetch for free.
func startLoginState(t *testing.T, e *env, c *http.Client) string {
	t.Helper()
	resp, _ := get(t, noRedirects(c), e.base+"/.auth/login?rd=/")
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || loc.Query().Get("state") == "" {
		t.Fatalf("login start: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc.Query().Get("state")
}

// TestFailedCodeExchangesAreBudgeted: through the Caddy binary, junk codes with free login
// states cost at most the per-client budget of token requests to Kakao; then the callback
// answers 429 with a page and sends nothing to Kakao. Successful logins from the same
// address before that are never throttled.
func TestFailedCodeExchangesAreBudgeted(t *testing.T) {
	e := newEnv(t, envOptions{extra: "failed_exchange_limit 100 3 1m"})
	for i := range 15 {
		e.login(e.browser(), "/", int64(1001+i%2)).Body.Close()
	}
	c := e.browser()
	for i := range 3 {
		state := startLoginState(t, e, c)
		if resp, _ := get(t, noRedirects(c), e.base+"/.auth/callback?code=junk&state="+state); resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("junk code %d: %d, want 400", i, resp.StatusCode)
		}
	}
	tokens := e.emulator.Calls("/oauth/token")
	state := startLoginState(t, e, c)
	resp, body := get(t, noRedirects(c), e.base+"/.auth/callback?code=junk&state="+state)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || !strings.Contains(body, "<html") {
		t.Fatalf("junk code past the budget: %d (Retry-After %q), want 429 with a page\n%s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	if n := e.emulator.Calls("/oauth/token"); n != tokens {
		t.Errorf("a throttled callback sent a token request to Kakao (%d, was %d)", n, tokens)
	}
}

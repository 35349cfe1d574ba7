package e2e

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/internal/testcaddy"
	"github.com/kakaogate/kakaogate/kakaotest"
	"github.com/kakaogate/kakaogate/oidc/oidctest"
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

// TestConcurrentJunkCodesSpendOnlyTheBudget: through the Caddy binary, against a slow token
// endpoint, more real logins from one address at once than its budget all succeed (they wait
// for a place, never refused); then junk codes sent at once reach Kakao's token endpoint at
// most the per-client budget of times, and the rest are answered 429.
func TestConcurrentJunkCodesSpendOnlyTheBudget(t *testing.T) {
	const budget, burst, junk = 3, 8, 10
	e := newEnv(t, envOptions{extra: fmt.Sprintf("failed_exchange_limit 100 %d 1m", budget)})
	e.emulator.SetFault("/oauth/token", kakaotest.Fault{Delay: 300 * time.Millisecond})
	var wg sync.WaitGroup
	logins := make([]int, burst)
	for i := range burst {
		wg.Go(func() {
			if resp, err := kakaotestLogin(e.browser(), e.base, int64(1001+i%2)); err == nil {
				resp.Body.Close()
				logins[i] = resp.StatusCode
			}
		})
	}
	wg.Wait()
	for i, status := range logins {
		if status != http.StatusOK {
			t.Fatalf("login %d of a burst of %d ended with %d, want 200\n%s", i, burst, status, e.caddy.Logs())
		}
	}

	tokens := e.emulator.Calls("/oauth/token")
	callbacks := make([]string, junk)
	browsers := make([]*http.Client, junk)
	for i := range junk {
		browsers[i] = noRedirects(e.browser())
		callbacks[i] = e.base + "/.auth/callback?code=junk&state=" + startLoginState(t, e, browsers[i])
	}
	answers := map[int]int{}
	var mu sync.Mutex
	for i := range junk {
		wg.Go(func() {
			status := 0
			if resp, err := browsers[i].Get(callbacks[i]); err == nil {
				resp.Body.Close()
				status = resp.StatusCode
			}
			mu.Lock()
			answers[status]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if n := e.emulator.Calls("/oauth/token") - tokens; n > budget {
		t.Errorf("%d junk codes at once sent %d token requests to Kakao, want at most %d", junk, n, budget)
	}
	if answers[http.StatusBadRequest] != budget || answers[http.StatusTooManyRequests] != junk-budget {
		t.Errorf("answers to %d junk codes at once: %v, want %d × 400 and %d × 429", junk, answers, budget, junk-budget)
	}
}

// TestCookieFloodsGetBoundedRepliesAndLogs: through the Caddy binary, hundreds of fake
// login cookies get a bounded number of Set-Cookie lines back, and a flood of forged session
// cookies writes a bounded number of log lines while kakaogate_cookies_rejected_total counts
// every one.
func TestCookieFloodsGetBoundedRepliesAndLogs(t *testing.T) {
	port := testcaddy.FreePort(t)
	op := oidctest.NewServer(t, oidctest.Options{RedirectURIs: []string{fmt.Sprintf("http://localhost:%d/.auth/callback", port)}})
	base, up, caddy := oidcGateway(t, port, fmt.Sprintf("provider oidc\n\t\tissuer %s\n\t\tclient_id %s\n\t\tclient_secret %s",
		op.Issuer, op.ClientID, op.ClientSecret))
	var junk []string
	for i := range 200 { // ~6 KB: Caddy refuses far bigger headers with 431 itself
		junk = append(junk, fmt.Sprintf("__Host-kakaogate-login-f%03d=x", i))
	}
	resp, _ := get(t, noRedirects(http.DefaultClient), base+"/.auth/login", "Cookie: "+strings.Join(junk, "; "))
	if n := len(resp.Header.Values("Set-Cookie")); resp.StatusCode != http.StatusFound || n > 9 {
		t.Fatalf("login start with 200 fake login cookies: %d with %d Set-Cookie lines, want 302 with at most 9", resp.StatusCode, n)
	}
	const flood = 100
	for i := range flood {
		resp, _ := get(t, http.DefaultClient, base+"/app", "Accept: application/json", fmt.Sprintf("Cookie: __Host-kakaogate=forged-%d", i))
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("forged session cookie: %d, want 401", resp.StatusCode)
		}
	}
	if up.count() != 0 {
		t.Fatalf("%d requests reached the upstream", up.count())
	}
	if n := strings.Count(caddy.Logs(), `"msg":"session cookie rejected"`); n == 0 || n > 10 {
		t.Errorf("%d log lines for %d forged session cookies, want between 1 and 10", n, flood)
	}
	want := fmt.Sprintf(`kakaogate_cookies_rejected_total{cookie="session"} %d`, flood)
	if m := scrape(t, base); !strings.Contains(m, want) {
		t.Errorf("metrics lack %s:\n%s", want, grepLines(m, "kakaogate_cookies"))
	}
}

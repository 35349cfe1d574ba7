package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kakaogate/kakaogate/internal/redistest"
)

// unlinkHookPath is where the upstream receives on_unlink events in these tests.
const unlinkHookPath = "/hooks/unlinked"

// hookEvents returns the on_unlink events the upstream received.
func (u *upstream) hookEvents(t *testing.T) []map[string]string {
	t.Helper()
	var out []map[string]string
	u.Each(func(r *http.Request, body []byte) bool {
		if r.URL.Path != unlinkHookPath {
			return true
		}
		var ev map[string]string
		if err := json.Unmarshal(body, &ev); err != nil {
			t.Errorf("on_unlink body %q: %v", body, err)
			return false
		}
		out = append(out, ev)
		return true
	})
	return out
}

// waitFor polls cond for up to limit.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestUnlinkPageUnlinksAndEndsEverySession: the unlink page's POST unlinks at Kakao, ends the
// person's sessions in every browser, and tells the app through on_unlink.
func TestUnlinkPageUnlinksAndEndsEverySession(t *testing.T) {
	e := newEnv(t, envOptions{extra: "on_unlink @UPSTREAM@" + unlinkHookPath})
	a, b := e.browser(), e.browser()
	e.login(a, "/", 1001).Body.Close()
	e.login(b, "/", 1001).Body.Close()
	other := e.browser()
	e.login(other, "/", 1004).Body.Close()
	cookieB, cookieOther := sessionCookie(b, e.base), sessionCookie(other, e.base)

	resp := submitPage(t, noRedirects(a), e.base+"/.auth/unlink", "confirm", "yes")
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("unlink POST: %d", resp.StatusCode)
	}
	if e.emulator.Linked(1001) {
		t.Fatal("user 1001 is still linked at Kakao")
	}
	if replay(t, e.base, cookieB) != http.StatusUnauthorized {
		t.Fatal("the person's other browser still has a session after unlink")
	}
	if replay(t, e.base, cookieOther) != http.StatusOK {
		t.Fatal("another person's session ended too")
	}
	waitFor(t, 5*time.Second, "the on_unlink event", func() bool { return len(e.up.hookEvents(t)) == 1 })
	if ev := e.up.hookEvents(t)[0]; ev["user_id"] != "1001" || ev["source"] != "unlink" {
		t.Fatalf("on_unlink event = %v", ev)
	}
}

// TestUnlinkWithoutCSRFIsRefused keeps the person linked and signed in.
func TestUnlinkWithoutCSRFIsRefused(t *testing.T) {
	e := newEnv(t, envOptions{})
	c := e.browser()
	e.login(c, "/", 1001).Body.Close()
	req, _ := http.NewRequest("POST", e.base+"/.auth/unlink", strings.NewReader("csrf=nope"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || !e.emulator.Linked(1001) {
		t.Fatalf("unlink without CSRF: %d, linked=%v", resp.StatusCode, e.emulator.Linked(1001))
	}
}

// TestUnlinkWebhookEndsSessionsOnEveryInstance: two gateways share one Redis; Kakao's webhook
// reaches one of them and the person's sessions end on both.
func TestUnlinkWebhookEndsSessionsOnEveryInstance(t *testing.T) {
	rs := redistest.Start(t)
	e := newEnv(t, envOptions{
		instances: 2,
		session:   "session redis redis://" + rs.Addr() + "/0",
		extra:     "admin_key demo-admin-key\n\t\tapp_id 100001\n\t\ton_unlink @UPSTREAM@" + unlinkHookPath,
	})
	onA, onB := e.browser(), e.browser()
	resp, err := kakaotestLogin(onA, e.bases[0], 1001)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp, err = kakaotestLogin(onB, e.bases[1], 1001); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cookieA, cookieB := sessionCookie(onA, e.bases[0]), sessionCookie(onB, e.bases[1])
	if replay(t, e.bases[1], cookieA) != http.StatusOK {
		t.Fatal("a session made on instance A must work on instance B (shared Redis)")
	}

	if err := e.emulator.Unlink(context.Background(), 1001); err != nil {
		t.Fatalf("emulator unlink + webhook: %v", err)
	}
	for i, ck := range []string{cookieA, cookieB} {
		for _, base := range e.bases {
			if got := replay(t, base, ck); got != http.StatusUnauthorized {
				t.Fatalf("session %d still works on %s after the webhook: %d", i, base, got)
			}
		}
	}
	waitFor(t, 5*time.Second, "the on_unlink event", func() bool { return len(e.up.hookEvents(t)) == 1 })
	if ev := e.up.hookEvents(t)[0]; ev["referrer_type"] != "UNLINK_FROM_APPS" || ev["source"] != "webhook" {
		t.Fatalf("on_unlink event = %v", ev)
	}
	if !e.caddy.LogsSoon("UNLINK_FROM_APPS") {
		t.Error("the webhook's referrer_type was not logged")
	}
}

// TestUnlinkWebhookRefusesWrongKeyOrApp: 401 and nothing revoked.
func TestUnlinkWebhookRefusesWrongKeyOrApp(t *testing.T) {
	e := newEnv(t, envOptions{extra: "admin_key demo-admin-key\n\t\tapp_id 100001"})
	c := e.browser()
	e.login(c, "/", 1001).Body.Close()
	for _, tc := range []struct{ name, auth, app string }{
		{"wrong key", "KakaoAK wrong-key", "100001"},
		{"missing key", "", "100001"},
		{"bearer instead of KakaoAK", "Bearer demo-admin-key", "100001"},
		{"wrong app id", "KakaoAK demo-admin-key", "999999"},
	} {
		form := url.Values{"app_id": {tc.app}, "user_id": {"1001"}, "referrer_type": {"UNLINK_FROM_APPS"}}
		req, _ := http.NewRequest("POST", e.base+"/.auth/webhook/unlink", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: %d, want 401", tc.name, resp.StatusCode)
		}
	}
	if replay(t, e.base, sessionCookie(c, e.base)) != http.StatusOK {
		t.Fatal("a refused webhook revoked the session")
	}
	// A valid webhook for a user the gateway never saw still answers 200.
	req, _ := http.NewRequest("GET", e.base+"/.auth/webhook/unlink?app_id=100001&user_id=424242&referrer_type=ACCOUNT_DELETE", nil)
	req.Header.Set("Authorization", "KakaoAK demo-admin-key")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("webhook for an unknown user: %d, want 200", resp.StatusCode)
	}
}

// TestAdminRevokeEndsEverySessionOfAUser: POST /.auth/admin/revoke with the admin token.
func TestAdminRevokeEndsEverySessionOfAUser(t *testing.T) {
	const token = "e2e-admin-token-0123456789-abcdefghijkl"
	e := newEnv(t, envOptions{extra: "admin_token " + token})
	c := e.browser()
	e.login(c, "/", 1001).Body.Close()
	post := func(auth string) *http.Response {
		req, _ := http.NewRequest("POST", e.base+"/.auth/admin/revoke?user_id=1001", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	for _, bad := range []string{"", "Bearer wrong", "KakaoAK " + token, "Bearer " + token + "x"} {
		if resp := post(bad); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("admin revoke with %q: %d, want 401", bad, resp.StatusCode)
		}
	}
	if replay(t, e.base, sessionCookie(c, e.base)) != http.StatusOK {
		t.Fatal("a refused admin call revoked the session")
	}
	if resp := post("Bearer " + token); resp.StatusCode != http.StatusOK {
		t.Fatalf("admin revoke: %d", resp.StatusCode)
	}
	if replay(t, e.base, sessionCookie(c, e.base)) != http.StatusUnauthorized {
		t.Fatal("the session survived the admin revocation")
	}
}

// TestUnlinkWebhookWhileRedisIsDownIsRetried: the webhook still answers 200 within Kakao's 3 s
// while the store is down, and the revocation goes through once Redis is back.
func TestUnlinkWebhookWhileRedisIsDownIsRetried(t *testing.T) {
	rs := redistest.Start(t)
	e := newEnv(t, envOptions{
		session: "session redis redis://" + rs.Addr() + "/0",
		extra:   "admin_key demo-admin-key\n\t\tapp_id 100001",
	})
	c := e.browser()
	e.login(c, "/", 1001).Body.Close()
	cookie := sessionCookie(c, e.base)
	// Persist the session so the restarted server still has it: the revocation must remove it.
	rdb := redis.NewClient(&redis.Options{Addr: rs.Addr()})
	defer rdb.Close()
	if err := rdb.Save(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	rs.Stop()

	start := time.Now()
	req, _ := http.NewRequest("GET", e.base+"/.auth/webhook/unlink?app_id=100001&user_id=1001&referrer_type=UNLINK_FROM_APPS", nil)
	req.Header.Set("Authorization", "KakaoAK demo-admin-key")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || time.Since(start) > 3*time.Second {
		t.Fatalf("webhook with Redis down: %d after %s, want 200 within 3 s", resp.StatusCode, time.Since(start))
	}
	if got := replay(t, e.base, cookie); got != http.StatusServiceUnavailable {
		t.Fatalf("protected request with Redis down: %d, want 503", got)
	}

	rs.Start()
	// The queued revocation refuses the session at once (it is on disk and in memory); the
	// retry then ends it in Redis.
	waitFor(t, 15*time.Second, "the queued revocation to be applied", func() bool {
		return strings.Contains(e.caddy.Logs(), `"queued revocation completed"`)
	})
	if got := replay(t, e.base, cookie); got != http.StatusUnauthorized {
		t.Fatalf("the revoked session after the retry: %d, want 401", got)
	}
	logs := e.caddy.Logs()
	if !strings.Contains(logs, "queued for retry") {
		t.Error("the failed first attempt was not logged")
	}
	// The session came back with the snapshot, so the retry really ended it.
	if !strings.Contains(logs, `"queued revocation completed","user_id":"1001","sessions":1`) {
		t.Errorf("no completed retry that ended the session in the logs:\n%s", logs)
	}
}

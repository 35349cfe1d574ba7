package e2e

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/internal/redistest"
)

// adminTokenE2E is the admin_token of the gateways under test.
const adminTokenE2E = "e2e-admin-token-0123456789-abcdefghijklmnop"

// sharedRedisEnv starts two gateway processes sharing one throwaway Redis (or a Redis Cluster), with the admin
// endpoint and the unlink webhook on, and a metrics endpoint at /metrics outside the login.
func sharedRedisEnv(t *testing.T, cluster bool) *env {
	t.Helper()
	var session string
	if cluster {
		c := redistest.StartCluster(t, 3, 1)
		session = "session redis_cluster " + strings.Join(c.Addrs(), " ")
	} else {
		session = "session redis redis://" + redistest.Start(t).Addr() + "/0"
	}
	e := newEnv(t, envOptions{
		instances: 2,
		session:   session,
		extra:     "admin_key demo-admin-key\n\t\tapp_id 100001\n\t\tadmin_token " + adminTokenE2E,
		matcher:   "@private",
		site:      "@private not path /metrics\n\tmetrics /metrics",
	})
	return e
}

// forEachSharedStore runs test against two instances sharing a single Redis, and sharing a
// local Redis Cluster of 3 masters and 3 replicas.
func forEachSharedStore(t *testing.T, test func(t *testing.T, e *env)) {
	for _, tc := range []struct {
		name    string
		cluster bool
	}{{"redis", false}, {"redis_cluster", true}} {
		t.Run(tc.name, func(t *testing.T) { test(t, sharedRedisEnv(t, tc.cluster)) })
	}
}

// postWebhook delivers Kakao's unlink webhook for userID to base, as Kakao would.
func postWebhook(t *testing.T, base string, userID string) {
	t.Helper()
	if got := webhookStatus(t, base, userID); got != http.StatusOK {
		t.Fatalf("webhook at %s: %d", base, got)
	}
}

// webhookStatus delivers Kakao's unlink webhook for userID to base and returns the status.
func webhookStatus(t *testing.T, base string, userID string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/.auth/webhook/unlink?app_id=100001&user_id="+userID+"&referrer_type=UNLINK_FROM_APPS", nil)
	req.Header.Set("Authorization", "KakaoAK demo-admin-key")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// adminRevoke ends every session of userID through base's admin endpoint.
func adminRevoke(t *testing.T, base, userID string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/.auth/admin/revoke?user_id="+userID, nil)
	req.Header.Set("Authorization", "Bearer "+adminTokenE2E)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("admin revoke at %s: %d", base, resp.StatusCode)
	}
}

// scrape returns the text of base's /metrics.
func scrape(t *testing.T, base string) string {
	t.Helper()
	_, body := get(t, http.DefaultClient, base+"/metrics")
	return body
}

// TestTwoInstancesShareSessionsAndRevocations: two gateways behind one Redis. A login on A
// works on B; a logout, the unlink webhook and an admin revocation received by one instance
// end the session on the other; each instance counts what it did in its own metrics, and
// both are ready.
func TestTwoInstancesShareSessionsAndRevocations(t *testing.T) {
	forEachSharedStore(t, twoInstancesShareSessionsAndRevocations)
}

func twoInstancesShareSessionsAndRevocations(t *testing.T, e *env) {
	a, b := e.bases[0], e.bases[1]
	for _, base := range e.bases {
		if resp, body := get(t, http.DefaultClient, base+"/.auth/readyz"); resp.StatusCode != http.StatusOK {
			t.Fatalf("readyz of %s: %d %s", base, resp.StatusCode, body)
		}
	}

	steps := []struct {
		name   string
		user   int64
		revoke func(t *testing.T, c *http.Client) // performed on B
	}{
		{"logout on B", 1001, func(t *testing.T, c *http.Client) {
			resp := submitPage(t, noRedirects(c), b+"/.auth/logout", "confirm", "yes")
			resp.Body.Close()
			if resp.StatusCode != http.StatusFound {
				t.Fatalf("logout on B: %d", resp.StatusCode)
			}
		}},
		{"webhook on B", 1002, func(t *testing.T, _ *http.Client) { postWebhook(t, b, "1002") }},
		{"admin revoke on B", 1004, func(t *testing.T, _ *http.Client) { adminRevoke(t, b, "1004") }},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			c := e.browser()
			resp, err := kakaotestLogin(c, a, s.user)
			if err != nil {
				t.Fatalf("login on A: %v\n%s", err, e.caddy.Logs())
			}
			resp.Body.Close()
			cookie := sessionCookie(c, a)
			if resp.StatusCode != http.StatusOK || cookie == "" {
				t.Fatalf("login on A ended on %d with session cookie %q\n--- A's log ---\n%s", resp.StatusCode, cookie, e.caddy.Logs())
			}
			if got := replay(t, b, cookie); got != http.StatusOK {
				t.Fatalf("a session made on A gets %d on B", got)
			}
			if got := e.up.last(t).Header.Get("X-Auth-User-Id"); got != itoa(s.user) {
				t.Fatalf("B sent X-Auth-User-Id %q, want %d", got, s.user)
			}
			s.revoke(t, c)
			// The revoking instance refuses the session at once. Another instance's session
			// cache learns of it through Redis pub/sub, which over a Cluster's bus takes a few
			// milliseconds: it must refuse the session within half a second.
			if got := replay(t, b, cookie); got != http.StatusUnauthorized {
				t.Fatalf("after %s the session gets %d on B itself, want 401", s.name, got)
			}
			deadline := time.Now().Add(500 * time.Millisecond)
			for got := replay(t, a, cookie); got != http.StatusUnauthorized; got = replay(t, a, cookie) {
				if time.Now().After(deadline) {
					t.Fatalf("after %s the session still gets %d on A after 500 ms, want 401", s.name, got)
				}
				time.Sleep(10 * time.Millisecond)
			}
		})
	}

	metricsA, metricsB := scrape(t, a), scrape(t, b)
	for _, want := range []string{`kakaogate_logins_succeeded_total{provider="kakao"} 3`, `kakaogate_jwks_refreshes_total{issuer="` + e.emulator.Issuer() + `",outcome="ok"} 1`} {
		if !strings.Contains(metricsA, want) {
			t.Errorf("A's metrics lack %s:\n%s", want, grepLines(metricsA, "kakaogate_"))
		}
	}
	for _, want := range []string{`kakaogate_revocations_total{source="logout"} 1`, `kakaogate_revocations_total{source="webhook"} 1`,
		`kakaogate_revocations_total{source="admin"} 1`, `kakaogate_session_store_duration_seconds_count{operation="get"}`} {
		if !strings.Contains(metricsB, want) {
			t.Errorf("B's metrics lack %s:\n%s", want, grepLines(metricsB, "kakaogate_"))
		}
	}
	if strings.Contains(metricsB, "kakaogate_logins_started_total") {
		t.Error("B counted logins it never started")
	}
}

// TestRollingRestartKeepsSessions restarts A, then B, while a client keeps using its session
// through a load balancer that sends each request to A, or to B when A does not answer. No
// request is ever refused or sent to log in, and the session works on both restarted
// processes.
func TestRollingRestartKeepsSessions(t *testing.T) {
	forEachSharedStore(t, rollingRestartKeepsSessions)
}

func rollingRestartKeepsSessions(t *testing.T, e *env) {
	c := e.browser()
	resp, err := kakaotestLogin(c, e.bases[0], 1001)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cookie := sessionCookie(c, e.bases[0])

	var ok atomic.Int64
	var mu sync.Mutex
	var failures []string
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			status, err := balanced(ctx, e.bases, cookie)
			switch {
			case err == nil && status == http.StatusOK:
				ok.Add(1)
			case ctx.Err() != nil:
			default:
				mu.Lock()
				failures = append(failures, errorOrStatus(err, status))
				mu.Unlock()
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	waitFor(t, 5*time.Second, "the client's first requests", func() bool { return ok.Load() >= 5 })
	for i, in := range e.instances {
		in.Restart()
		before := ok.Load()
		waitFor(t, 10*time.Second, "requests after restarting instance "+itoa(int64(i)), func() bool { return ok.Load() >= before+5 })
	}
	stop()
	<-done
	if len(failures) > 0 {
		t.Fatalf("%d requests failed during the rolling restart, e.g. %v", len(failures), failures[:min(5, len(failures))])
	}
	for _, base := range e.bases {
		if got := replay(t, base, cookie); got != http.StatusOK {
			t.Fatalf("after the rolling restart the session gets %d on %s", got, base)
		}
	}
}

// balanced sends one API request with the session cookie to the first instance that accepts
// a connection, as a load balancer with health checks would.
func balanced(ctx context.Context, bases []string, cookie string) (int, error) {
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	var err error
	for _, base := range bases {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/private", nil)
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Cookie", "__Host-kakaogate="+cookie)
		var resp *http.Response
		if resp, err = client.Do(req); err != nil {
			continue // this instance is down: try the next
		}
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	return 0, err
}

func errorOrStatus(err error, status int) string {
	if err != nil {
		return err.Error()
	}
	return http.StatusText(status)
}

// grepLines returns the lines of s that contain sub.
func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// itoa formats a user id.
func itoa(n int64) string { return strconv.FormatInt(n, 10) }

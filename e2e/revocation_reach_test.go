package e2e

import (
	"net/http"
	"testing"
	"time"
)

// completedFor1001 is the log line of a queued revocation of 1001 that ended its one session
// in Redis once Redis answered again: the session was there to end.
const completedFor1001 = `"queued revocation completed","user_id":"1001","sessions":1`

// TestCase_gw_rev_06_OtherInstancesRefuseSoonAfterRedisReturns: two gateways on one Redis.
// Instance A queues an admin revocation while Redis is down for 7.5 s; instance B, never told
// of it, refuses the session within 3 s of Redis returning, because A retries every second
// while anything is queued (a backoff doubling from 1 s would have retried at about 1, 3 and
// 7 s, and next at 11 s at the earliest).
func TestCase_gw_rev_06_OtherInstancesRefuseSoonAfterRedisReturns(t *testing.T) {
	de := newDurableEnv(t, 2)
	b := de.bases[1]
	if got := replay(t, b, de.cookie); got != http.StatusOK {
		t.Fatalf("instance B before the revocation: %d, want 200", got)
	}
	de.rs.Stop()
	if got := de.adminRevoke(t); got != http.StatusAccepted {
		t.Fatalf("admin revoke on A with Redis down: %d, want 202", got)
	}
	time.Sleep(7500 * time.Millisecond)
	deadline := time.Now().Add(3 * time.Second)
	de.rs.Start()
	for {
		got := replay(t, b, de.cookie)
		if got == http.StatusUnauthorized {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("instance B answered %d for the revoked session 3 s after Redis returned, want 401", got)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !de.caddy.LogsSoon(completedFor1001) {
		t.Fatalf("instance A did not end the session in Redis:\n%s", de.caddy.Logs())
	}
}

// TestCase_gw_rev_07_ReplayedAtStartWithoutARequest: two gateways on one Redis. Instance A
// queues an admin revocation while Redis is down and is killed (SIGKILL); Redis comes back
// with the session; A starts again and gets no request at all. Instance B refuses the
// session within 5 s: A replayed its journal when it started, not at its first request.
func TestCase_gw_rev_07_ReplayedAtStartWithoutARequest(t *testing.T) {
	de := newDurableEnv(t, 2)
	b := de.bases[1]
	de.revokeThenKill(t)
	if got := replay(t, b, de.cookie); got != http.StatusOK {
		t.Fatalf("instance B before A is back: %d, want 200 (B was never told)", got)
	}
	de.caddy.RestartUnvisited()
	waitFor(t, 5*time.Second, "instance B to refuse the session A's journal revokes", func() bool {
		return replay(t, b, de.cookie) == http.StatusUnauthorized
	})
	if !de.caddy.LogsSoon(completedFor1001) {
		t.Fatalf("instance A did not end the session in Redis:\n%s", de.caddy.Logs())
	}
}

// TestCase_gw_rev_08_QueuedWhileRedisIsPaused: with redis-server frozen (SIGSTOP: it accepts
// connections and answers nothing), an admin revocation answers 202 and Kakao's unlink
// webhook 200, each within Kakao's 3 s; once Redis resumes, both users' sessions are refused
// (never served), and the queued retries end them in Redis.
func TestCase_gw_rev_08_QueuedWhileRedisIsPaused(t *testing.T) {
	de := newDurableEnv(t, 1)
	c := de.browser()
	de.login(c, "/", 1002).Body.Close()
	cookies := map[string]string{"1001": de.cookie, "1002": sessionCookie(c, de.base)}
	de.rs.Pause()
	for _, tt := range []struct {
		name string
		send func() int
		want int
	}{
		{"admin revocation of 1001", func() int { return de.adminRevoke(t) }, http.StatusAccepted},
		{"unlink webhook for 1002", func() int { return webhookStatus(t, de.base, "1002") }, http.StatusOK},
	} {
		start := time.Now()
		if got := tt.send(); got != tt.want {
			t.Fatalf("%s with Redis paused: %d, want %d", tt.name, got, tt.want)
		}
		if took := time.Since(start); took > 3*time.Second {
			t.Fatalf("%s with Redis paused took %v, more than Kakao's 3 s", tt.name, took)
		}
	}
	de.rs.Resume()
	for user, cookie := range cookies {
		waitRefused(t, de.base, cookie, 5*time.Second)
		waitFor(t, 5*time.Second, "the queued revocation of "+user+" to end its session in Redis", func() bool {
			return de.caddy.LogsSoon(`"queued revocation completed","user_id":"` + user + `","sessions":1`)
		})
	}
	if n := de.sessionsInRedis(t); n != 0 {
		t.Fatalf("Redis holds %d sessions after both revocations", n)
	}
}

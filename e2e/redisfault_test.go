package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kakaogate/kakaogate/internal/redistest"
	"github.com/kakaogate/kakaogate/kakaotest"
)

const (
	// recoveryLimit is how soon after Redis returns every protected request must work again.
	recoveryLimit = 2 * time.Second
	// answerLimit bounds every answer while Redis is down or slow (a 503, never a hang).
	answerLimit = 3 * time.Second
	// protectedPath is what the load requests with a session; publicPath is outside @private.
	protectedPath = "/app/data"
	publicPath    = "/public/page"
)

// redisEnv is a gateway whose sessions live in a throwaway Redis, protecting everything but
// /public/*, with one user (1001) logged in before any fault.
type redisEnv struct {
	*env
	rs     *redistest.Server
	rdb    *redis.Client
	cookie string // the session cookie value of user 1001
}

func newRedisEnv(t *testing.T) *redisEnv {
	t.Helper()
	rs := redistest.Start(t)
	e := newEnv(t, envOptions{
		session: "session redis redis://" + rs.Addr() + "/0",
		site:    "@private not path /public/*",
		matcher: "@private",
	})
	rdb := redis.NewClient(&redis.Options{Addr: rs.Addr(), MaxRetries: -1})
	t.Cleanup(func() { _ = rdb.Close() })
	c := e.browser()
	e.login(c, "/app", 1001).Body.Close()
	re := &redisEnv{env: e, rs: rs, rdb: rdb, cookie: sessionCookie(c, e.base)}
	if re.cookie == "" {
		t.Fatal("no session cookie after login")
	}
	return re
}

// targets are the load's requests: the protected path with 1001's session, the public path
// without any.
func (re *redisEnv) targets() []loadTarget {
	return []loadTarget{
		{name: "protected", url: re.base + protectedPath, headers: []string{"Accept: application/json", "Cookie: __Host-kakaogate=" + re.cookie}},
		{name: "public", url: re.base + publicPath},
	}
}

// assertNothingUnverifiedUpstream checks that every protected request the upstream received
// carried 1001's identity, and that it received exactly as many as the load got 200s for:
// nothing passed without a verified session.
func (re *redisEnv) assertNothingUnverifiedUpstream(t *testing.T, l *load) {
	t.Helper()
	n := 0
	re.up.Each(func(r *http.Request, _ []byte) bool {
		if strings.HasPrefix(r.URL.Path, "/app/") {
			n++
			if r.Header.Get("X-Auth-User-Id") != "1001" || r.Header.Get("X-Auth-Status") == "" {
				t.Errorf("%s reached the upstream without the verified identity: %v", r.URL.Path, r.Header)
			}
		}
		return true
	})
	ok := 0
	for _, r := range l.all() {
		if r.target == "protected" && r.status == http.StatusOK {
			ok++
		}
	}
	if n != ok {
		t.Errorf("the upstream received %d protected requests, the load got %d answers 200", n, ok)
	}
}

// assertBounded checks that every request of the load was answered, within answerLimit, and
// that the public route always worked.
func assertBounded(t *testing.T, l *load) {
	t.Helper()
	for _, r := range l.all() {
		if r.status == 0 {
			t.Errorf("%s request at %s failed: %s", r.target, r.start.Format("15:04:05.000"), r.errText)
		} else if r.took > answerLimit {
			t.Errorf("%s request took %v (status %d), more than %v", r.target, r.took, r.status, answerLimit)
		}
		if r.target == "public" && r.status != http.StatusOK {
			t.Errorf("public route answered %d while Redis was failing", r.status)
		}
	}
}

// TestRedisOutageUnderLoadFailsClosedAndRecovers (about 5 s) stops redis-server under a
// bounded background load (4 workers, protected and public requests) and starts it again:
// while it is down protected requests answer 503 and never reach the upstream, the public
// route keeps working, the login flow ends on a clear 503 page, and /me answers 503; within
// 2 s of Redis returning every protected request works again with the session written before
// the outage (persisted with SAVE), and a new login works, all without a reload.
func TestRedisOutageUnderLoadFailsClosedAndRecovers(t *testing.T) {
	re := newRedisEnv(t)
	l := startLoad(t, 4, re.targets()...)
	time.Sleep(300 * time.Millisecond)
	if err := re.rdb.Save(context.Background()).Err(); err != nil {
		t.Fatalf("SAVE: %v", err)
	}

	stopping := time.Now()
	re.rs.Stop()
	down := time.Now()

	// A login that starts and completes during the outage.
	other := re.browser()
	resp, err := kakaotest.Login(other, re.base+"/app/during-outage", 1002)
	if err != nil {
		t.Fatalf("login during the outage: %v", err)
	}
	body := readAll(resp)
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "temporarily unavailable") || !strings.Contains(body, "Request ID") {
		t.Errorf("login during the outage ended with %d, want the 503 page:\n%s", resp.StatusCode, body)
	}
	if sessionCookie(other, re.base) != "" {
		t.Error("a session cookie was set during the outage")
	}
	if resp, _ := get(t, re.browser(), re.base+"/.auth/me", "Accept: application/json", "Cookie: __Host-kakaogate="+re.cookie); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("/me during the outage: %d, want 503", resp.StatusCode)
	}
	time.Sleep(time.Until(down.Add(1500 * time.Millisecond)))

	starting := time.Now()
	re.rs.Start()
	up := time.Now()
	waitFor(t, recoveryLimit, "protected requests to work again", func() bool {
		return replay(t, re.base, re.cookie) == http.StatusOK
	})
	t.Logf("recovered %v after Redis was back", time.Since(up).Round(time.Millisecond))
	time.Sleep(time.Until(up.Add(recoveryLimit + 500*time.Millisecond)))
	l.stop()

	assertBounded(t, l)
	if got := statuses(l.between("protected", time.Time{}, stopping)); len(got) != 1 || got[http.StatusOK] == 0 {
		t.Errorf("before the outage protected requests answered %v, want only 200", got)
	}
	if got := statuses(l.between("protected", down, starting)); len(got) != 1 || got[http.StatusServiceUnavailable] == 0 {
		t.Errorf("during the outage protected requests answered %v, want only 503", got)
	}
	if got := statuses(l.between("protected", up.Add(recoveryLimit), time.Now())); len(got) != 1 || got[http.StatusOK] == 0 {
		t.Errorf("from %v after Redis returned protected requests answered %v, want only 200", recoveryLimit, got)
	}
	re.assertNothingUnverifiedUpstream(t, l)

	c := re.browser()
	resp = re.login(c, "/app/after-outage", 1002)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || re.up.last(t).Header.Get("X-Auth-User-Id") != "1002" {
		t.Fatalf("login after the outage: %d, upstream saw %v", resp.StatusCode, re.up.last(t).Header)
	}
}

// TestSlowRedisAnswers503WithinBoundedTime (about 5 s) pauses every Redis client for 4 s
// (CLIENT PAUSE ALL from a separate connection): protected requests hit the client's bounded
// timeouts and answer 503 within 3 s without reaching the upstream, the public route is not
// slowed down, and the same session works again once Redis answers.
func TestSlowRedisAnswers503WithinBoundedTime(t *testing.T) {
	re := newRedisEnv(t)
	const pause = 4 * time.Second
	if err := re.rdb.Do(context.Background(), "CLIENT", "PAUSE", pause.Milliseconds(), "ALL").Err(); err != nil {
		t.Fatalf("CLIENT PAUSE: %v", err)
	}
	paused := time.Now()
	l := startLoad(t, 3, re.targets()...)
	time.Sleep(time.Until(paused.Add(pause - 500*time.Millisecond)))
	l.stop()
	slow := l.between("protected", paused, time.Now())
	if len(slow) == 0 {
		t.Fatal("no protected request was sent while Redis was paused")
	}
	longest := time.Duration(0)
	for _, r := range slow {
		longest = max(longest, r.took)
		if r.status != http.StatusServiceUnavailable && !(r.status == http.StatusOK && r.start.Add(r.took).After(paused.Add(pause))) {
			t.Errorf("protected request during the pause answered %d after %v, want 503", r.status, r.took)
		}
	}
	t.Logf("%d protected requests during the pause: %v, the slowest answered after %v", len(slow), statuses(slow), longest.Round(time.Millisecond))
	for _, r := range l.between("public", paused, time.Now()) {
		if r.took > 500*time.Millisecond {
			t.Errorf("the public route took %v while Redis was paused", r.took)
		}
	}
	assertBounded(t, l)
	re.assertNothingUnverifiedUpstream(t, l)
	waitFor(t, pause, "protected requests to work again after the pause", func() bool {
		return replay(t, re.base, re.cookie) == http.StatusOK
	})
}

package e2e

import (
	"context"
	"net/http"
	"testing"
	"time"
)

// TestRedisSentinelFailoverAfterTheMasterIsKilled (about 12 s): two gateway instances on a
// Sentinel-managed Redis; the master is killed (SIGKILL) under a bounded background load on
// the first instance. Until the Sentinels have promoted the replica (down after 1 s, then
// their election), protected requests answer 200 or 503 within 3 s and nothing unverified
// reaches the upstream; within 3 s of the promotion the session written before the kill
// works on both instances, each instance's session cache serves again on the new master
// within 2 s, new logins work, and a revocation on one instance ends the session cached on
// the other within 500 ms.
func TestRedisSentinelFailoverAfterTheMasterIsKilled(t *testing.T) {
	e, sn := sentinelEnv(t)
	a, b := e.bases[0], e.bases[1]
	c := e.browser()
	e.login(c, "/app", 1001).Body.Close()
	re := &redisEnv{env: e, cookie: sessionCookie(c, a)}
	starts := cachesServe(t, e, re.cookie)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	master, err := sn.Master(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := sn.WaitSettled(ctx, master); err != nil {
		t.Fatal(err)
	}
	promoted := sn.Data[0]
	if promoted == master {
		promoted = sn.Data[1]
	}
	l := startLoad(t, 3, re.targets()...)
	time.Sleep(200 * time.Millisecond)
	killed := time.Now()
	master.Kill()
	if err := sn.WaitMaster(ctx, promoted); err != nil {
		t.Fatal(err)
	}
	switched := time.Now()
	t.Logf("the Sentinels promoted %s %v after the kill", promoted.Addr(), switched.Sub(killed).Round(time.Millisecond))
	for _, base := range e.bases {
		waitFor(t, sentinelRecoveryLimit, "the session to work at "+base+" after the promotion", func() bool {
			return replay(t, base, re.cookie) == http.StatusOK
		})
	}
	t.Logf("the session works on both instances %v after the promotion", time.Since(switched).Round(time.Millisecond))
	cachesServeAgain(t, e, starts)
	t.Logf("both caches serve again %v after the promotion", time.Since(switched).Round(time.Millisecond))
	time.Sleep(time.Until(switched.Add(sentinelRecoveryLimit + 500*time.Millisecond)))
	l.stop()

	assertBounded(t, l)
	for code := range statuses(l.between("protected", killed, switched)) {
		if code != http.StatusOK && code != http.StatusServiceUnavailable {
			t.Errorf("during the failover a protected request answered %d, want 200 or 503", code)
		}
	}
	if got := statuses(l.between("protected", switched.Add(sentinelRecoveryLimit), time.Now())); len(got) != 1 || got[http.StatusOK] == 0 {
		t.Errorf("%v after the promotion protected requests answered %v, want only 200", sentinelRecoveryLimit, got)
	}
	re.assertNothingUnverifiedUpstream(t, l)

	revocationReachesCache(t, e, a, b, 1002, 1003, adminRevoke)
	revocationReachesCache(t, e, b, a, 1004, 1003, postWebhook)
}

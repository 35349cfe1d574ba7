package e2e

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/internal/redistest"
)

// failoverRecoveryLimit is how soon after the cluster has promoted a replica the gateway
// must serve the sessions of the failed master's slots again.
const failoverRecoveryLimit = 2 * time.Second

// sessionKeys returns the session keys stored in the cluster (read from every node: KEYS is
// per node, and replicas hold copies).
func sessionKeys(ctx context.Context, cl *redistest.Cluster) []string {
	var keys []string
	for _, n := range cl.Nodes {
		ks, _ := cl.Client(n).Keys(ctx, "kakaogate:s:*").Result()
		for _, k := range ks {
			if !slices.Contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	return keys
}

// TestRedisClusterMasterFailoverKeepsSessions (about 9 s) runs the gateway on a Redis
// Cluster of 3 masters and 3 replicas (session redis_cluster), logs a user in, and kills the
// master that holds the session under a bounded background load. Until the cluster has
// promoted the replica, protected requests answer 503 and nothing unverified reaches the
// upstream; within 2 s of the promotion the session written before the failure works again
// (the replica had it) and new logins work, without a reload.
func TestRedisClusterMasterFailoverKeepsSessions(t *testing.T) {
	cl := redistest.StartCluster(t, 3, 1)
	e := newEnv(t, envOptions{
		session: "session redis_cluster " + strings.Join(cl.Addrs(), " "),
		site:    "@private not path /public/*",
		matcher: "@private",
	})
	c := e.browser()
	e.login(c, "/app", 1001).Body.Close()
	re := &redisEnv{env: e, cookie: sessionCookie(c, e.base)}
	if replay(t, e.base, re.cookie) != http.StatusOK {
		t.Fatal("the session does not work before the failover")
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	keys := sessionKeys(ctx, cl)
	if len(keys) != 1 {
		t.Fatalf("session keys in the cluster: %v, want exactly one", keys)
	}
	if err := cl.WaitInSync(ctx); err != nil {
		t.Fatal(err)
	}
	master, err := cl.MasterOf(ctx, keys[0])
	if err != nil {
		t.Fatal(err)
	}

	l := startLoad(t, 3, re.targets()...)
	time.Sleep(200 * time.Millisecond)
	killing := time.Now()
	master.Kill()
	promoted, err := cl.WaitFailover(ctx, master)
	if err != nil {
		t.Fatal(err)
	}
	failedOver := time.Now()
	t.Logf("the cluster promoted %s %v after the kill", promoted.Addr(), failedOver.Sub(killing).Round(time.Millisecond))
	waitFor(t, failoverRecoveryLimit, "the session to work after the failover", func() bool {
		return replay(t, e.base, re.cookie) == http.StatusOK
	})
	t.Logf("the session works again %v after the promotion", time.Since(failedOver).Round(time.Millisecond))
	time.Sleep(time.Until(failedOver.Add(failoverRecoveryLimit + 500*time.Millisecond)))
	l.stop()

	assertBounded(t, l)
	for code := range statuses(l.between("protected", killing, failedOver)) {
		if code != http.StatusOK && code != http.StatusServiceUnavailable {
			t.Errorf("during the failover a protected request answered %d, want 200 or 503", code)
		}
	}
	if got := statuses(l.between("protected", failedOver.Add(failoverRecoveryLimit), time.Now())); len(got) != 1 || got[http.StatusOK] == 0 {
		t.Errorf("%v after the promotion protected requests answered %v, want only 200", failoverRecoveryLimit, got)
	}
	re.assertNothingUnverifiedUpstream(t, l)

	for _, user := range []int64{1002, 1003} {
		resp := e.login(e.browser(), "/app/after-failover", user)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || e.up.last(t).Header.Get("X-Auth-User-Id") != strconv.FormatInt(user, 10) {
			t.Fatalf("login of %d after the failover: %d, upstream saw %v", user, resp.StatusCode, e.up.last(t).Header)
		}
	}
}

package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/internal/redistest"
)

// Credentials of the Sentinel-managed store under test: a password on the master and the
// replica, an ACL user on the Sentinels.
const (
	sentinelDataPassword = "e2e-redis-data-secret"
	sentinelUser         = "kakaogate"
	sentinelUserPassword = "e2e-sentinel-secret"
)

const (
	// sentinelRecoveryLimit is how soon after the Sentinels name the new master the sessions
	// made before the failover must work again on every instance.
	sentinelRecoveryLimit = 3 * time.Second
	// cachedWithin is how long a session may stay cached somewhere after it was revoked on
	// another instance: far below the cache's 5 s TTL, so only the invalidation explains it.
	cachedWithin = 500 * time.Millisecond
	// resubscribeLimit is how soon after the switch each instance's session cache must serve
	// again, subscribed on the new master: it stops hearing its probes within 4 heartbeats
	// (400 ms) and subscribes again after 8.
	resubscribeLimit = 2 * time.Second
	// cacheServingLog is what an instance logs when its session cache starts serving.
	cacheServingLog = "session cache serving: subscribed to session invalidations"
)

// sentinelEnv starts a master, a replica and three Sentinels (redistest.StartSentinel), and
// two gateway instances on them (session redis_sentinel with the master's password, the
// Sentinels' user and its password read from a file), with the admin endpoint, the unlink
// webhook, /metrics and the load's public path outside the login.
func sentinelEnv(t *testing.T) (*env, *redistest.Sentinel) {
	t.Helper()
	sn := redistest.StartSentinel(t, redistest.SentinelOptions{
		Password: sentinelDataPassword, SentinelUsername: sentinelUser, SentinelPassword: sentinelUserPassword,
	})
	pw := filepath.Join(t.TempDir(), "sentinel-password")
	if err := os.WriteFile(pw, []byte(sentinelUserPassword), 0o600); err != nil {
		t.Fatal(err)
	}
	session := fmt.Sprintf("session redis_sentinel %s %s {\n\t\t\tpassword %s\n\t\t\tsentinel_username %s\n\t\t\tsentinel_password {file.%s}\n\t\t}",
		sn.MasterName(), strings.Join(sn.Addrs(), " "), sentinelDataPassword, sentinelUser, pw)
	e := newEnv(t, envOptions{
		instances: 2,
		session:   session,
		extra:     "admin_key demo-admin-key\n\t\tapp_id 100001\n\t\tadmin_token " + adminTokenE2E,
		matcher:   "@private",
		site:      "@private not path /metrics " + publicPath + "\n\tmetrics /metrics",
	})
	return e, sn
}

// loginAt logs userID in at base and returns the session cookie.
func loginAt(t *testing.T, e *env, base string, userID int64) string {
	t.Helper()
	c := e.browser()
	resp, err := kakaotestLogin(c, base, userID)
	if err != nil {
		t.Fatalf("login of %d at %s: %v\n--- log ---\n%s", userID, base, err, e.caddy.Logs())
	}
	resp.Body.Close()
	cookie := sessionCookie(c, base)
	if resp.StatusCode != http.StatusOK || cookie == "" {
		t.Fatalf("login of %d at %s ended on %d with session cookie %q", userID, base, resp.StatusCode, cookie)
	}
	return cookie
}

// storeGetsRe reads how many session reads an instance sent to the store.
var storeGetsRe = regexp.MustCompile(`(?m)^kakaogate_session_store_duration_seconds_count\{operation="get"\} (\d+)$`)

// storeGets is how many times base has read a session from the store (not its cache).
func storeGets(t *testing.T, base string) int {
	t.Helper()
	body := scrape(t, base)
	m := storeGetsRe.FindStringSubmatch(body)
	if m == nil {
		return 0
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// servedFromCache reports whether base serves cookie's session twice in a row without
// reading the store: its cache holds the session and serves (it is subscribed to the
// invalidations and hears the master).
func servedFromCache(t *testing.T, base, cookie string) bool {
	t.Helper()
	if replay(t, base, cookie) != http.StatusOK {
		return false
	}
	n := storeGets(t, base)
	return replay(t, base, cookie) == http.StatusOK && storeGets(t, base) == n
}

// cachesServe waits until every instance serves cookie's session from its cache and
// returns how often each has logged that its cache started serving.
func cachesServe(t *testing.T, e *env, cookie string) []int {
	t.Helper()
	starts := make([]int, len(e.instances))
	for i, in := range e.instances {
		waitFor(t, time.Second, e.bases[i]+"'s session cache to serve", func() bool {
			return servedFromCache(t, e.bases[i], cookie)
		})
		starts[i] = strings.Count(in.Logs(), cacheServingLog)
	}
	return starts
}

// cachesServeAgain waits until every instance has logged that its cache started serving
// more often than starts says (cachesServe): it has subscribed again, on the new master.
func cachesServeAgain(t *testing.T, e *env, starts []int) {
	t.Helper()
	for i, in := range e.instances {
		waitFor(t, resubscribeLimit, e.bases[i]+"'s session cache to serve again on the new master", func() bool {
			return strings.Count(in.Logs(), cacheServingLog) > starts[i]
		})
	}
}

// revocationReachesCache logs userID and a witness in at holder, which caches both
// sessions (fresh: well within the cache's TTL), revokes userID's sessions at the instance
// by, and requires holder to refuse the session within cachedWithin. holder still serves the
// witness from its cache afterwards, so its cache was not flushed: the 401 came from the
// invalidation published on the master, not from a lost subscription or an expiry. Every
// older session of userID is refused on both instances too.
func revocationReachesCache(t *testing.T, e *env, holder, by string, userID, witnessID int64,
	revoke func(t *testing.T, base, userID string), older ...string) {
	t.Helper()
	cookie, witness := loginAt(t, e, holder, userID), loginAt(t, e, holder, witnessID)
	waitFor(t, time.Second, holder+" to serve both sessions from its cache", func() bool {
		return servedFromCache(t, holder, witness) && servedFromCache(t, holder, cookie)
	})
	start := time.Now()
	revoke(t, by, itoa(userID))
	if got := replay(t, by, cookie); got != http.StatusUnauthorized {
		t.Fatalf("after the revocation of %d at %s, that instance answers %d, want 401", userID, by, got)
	}
	for got := replay(t, holder, cookie); got != http.StatusUnauthorized; got = replay(t, holder, cookie) {
		if time.Since(start) > cachedWithin {
			t.Fatalf("%v after the revocation of %d at %s, %s still answers %d, want 401: the invalidation did not reach its cache",
				cachedWithin, userID, by, holder, got)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Logf("%s refused the session revoked at %s %v later", holder, by, time.Since(start).Round(time.Millisecond))
	n := storeGets(t, holder)
	if replay(t, holder, witness) != http.StatusOK || storeGets(t, holder) != n {
		t.Fatalf("%s no longer serves the witness session from its cache: its cache was flushed, so the test proves nothing", holder)
	}
	for _, old := range older {
		for _, base := range e.bases {
			if got := replay(t, base, old); got != http.StatusUnauthorized {
				t.Fatalf("an older session of %d gets %d at %s after the revocation, want 401", userID, got, base)
			}
		}
	}
}

// TestRedisSentinelFailoverKeepsSessionsAndRevocations (about 25 s) runs two gateway
// instances on a Sentinel-managed Redis (a master, a replica, three Sentinels; passwords on
// the data servers, an ACL user on the Sentinels, its password read from a file) and has
// the Sentinels fail over (SENTINEL FAILOVER). Right after the switch, while the old master
// still runs as a master: the sessions made before the failover work on both instances and
// new logins work; each instance's session cache stops serving and serves again within 2 s,
// subscribed on the new master. Then, and again once the old master replicates the new one,
// an admin revocation or unlink webhook received by one instance ends the session on the
// other within 500 ms, although the other serves it from its cache: the invalidations
// published on the new master reach every instance.
func TestRedisSentinelFailoverKeepsSessionsAndRevocations(t *testing.T) {
	e, sn := sentinelEnv(t)
	a, b := e.bases[0], e.bases[1]
	for _, base := range e.bases {
		if resp, body := get(t, http.DefaultClient, base+"/.auth/readyz"); resp.StatusCode != http.StatusOK {
			t.Fatalf("readyz of %s: %d %s", base, resp.StatusCode, body)
		}
	}
	witness := loginAt(t, e, a, 1001)
	revokedByAdmin, revokedByWebhook := loginAt(t, e, a, 1002), loginAt(t, e, b, 1003)
	servingBefore := cachesServe(t, e, witness)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	began := time.Now()
	promoted, err := sn.Failover(ctx)
	if err != nil {
		t.Fatal(err)
	}
	switched := time.Now()
	t.Logf("the Sentinels name %s as master %v after SENTINEL FAILOVER", promoted.Addr(), switched.Sub(began).Round(time.Millisecond))

	for _, base := range e.bases {
		for _, cookie := range []string{witness, revokedByAdmin, revokedByWebhook} {
			waitFor(t, sentinelRecoveryLimit, "a session made before the failover to work at "+base, func() bool {
				return replay(t, base, cookie) == http.StatusOK
			})
		}
	}
	t.Logf("the sessions made before the failover work on both instances %v after the switch", time.Since(switched).Round(time.Millisecond))
	// go-redis moves commands to the new master but leaves a subscription where it is: each
	// instance's cache must notice that its probes (published on the new master) no longer
	// arrive, stop serving, and subscribe again on the new master.
	cachesServeAgain(t, e, servingBefore)
	t.Logf("both caches serve again, subscribed on the new master, %v after the switch", time.Since(switched).Round(time.Millisecond))
	if got := replay(t, a, loginAt(t, e, b, 1004)); got != http.StatusOK {
		t.Fatalf("a login on B after the failover gets %d on A", got)
	}
	revocationReachesCache(t, e, a, b, 1002, 1001, adminRevoke, revokedByAdmin)
	revocationReachesCache(t, e, b, a, 1003, 1004, postWebhook, revokedByWebhook)

	if err := sn.WaitSettled(ctx, promoted); err != nil {
		t.Fatal(err)
	}
	t.Logf("the old master replicates the new one %v after the switch", time.Since(switched).Round(time.Millisecond))
	revocationReachesCache(t, e, b, a, 1002, 1001, adminRevoke)
	revocationReachesCache(t, e, a, b, 1003, 1004, postWebhook)
	if got := replay(t, b, witness); got != http.StatusOK {
		t.Fatalf("the session made before the failover gets %d at the end", got)
	}
}

package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/internal/redistest"
	"github.com/kakaogate/kakaogate/internal/testcaddy"
)

// TestRedisSentinelOverTLSFollowsAFailover (about 10 s): the master, the replica and the
// Sentinels speak TLS only (certificates of a throwaway authority, which Caddy trusts
// through SSL_CERT_FILE) and the Sentinels require a password. Two instances with tls and
// sentinel_password: a login on A works on B; after SENTINEL FAILOVER the session works on
// both, a new login works and an admin revocation on one instance ends the session on the
// other. A gateway on the same store without tls is not ready and answers protected
// requests with 503: it fails closed.
func TestRedisSentinelOverTLSFollowsAFailover(t *testing.T) {
	files := redistest.NewTLSFiles(t)
	t.Setenv("SSL_CERT_FILE", files.CAFile) // Caddy's system roots: the throwaway authority only
	sn := redistest.StartSentinel(t, redistest.SentinelOptions{SentinelPassword: sentinelUserPassword, TLS: files})
	store := fmt.Sprintf("session redis_sentinel %s %s {\n\t\t\tsentinel_password %s\n\t\t\t%%s\n\t\t}",
		sn.MasterName(), strings.Join(sn.Addrs(), " "), sentinelUserPassword)
	o := envOptions{
		instances: 2,
		session:   fmt.Sprintf(store, "tls"),
		extra:     "admin_token " + adminTokenE2E,
		matcher:   "@private",
		site:      "@private not path /metrics\n\tmetrics /metrics",
	}
	e := newEnv(t, o)
	a, b := e.bases[0], e.bases[1]
	cookie := loginAt(t, e, a, 1001)
	if got := replay(t, b, cookie); got != http.StatusOK {
		t.Fatalf("a session made on A gets %d on B", got)
	}

	plain := o
	plain.session = fmt.Sprintf(store, "cache off")
	withoutTLSFailsClosed(t, e, plain, cookie)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	promoted, err := sn.Failover(ctx)
	if err != nil {
		t.Fatal(err)
	}
	switched := time.Now()
	for _, base := range e.bases {
		waitFor(t, sentinelRecoveryLimit, "the session to work at "+base+" after the failover", func() bool {
			return replay(t, base, cookie) == http.StatusOK
		})
	}
	t.Logf("the session works on both instances %v after the switch to %s", time.Since(switched).Round(time.Millisecond), promoted.Addr())
	fresh := loginAt(t, e, b, 1002)
	if got := replay(t, a, fresh); got != http.StatusOK {
		t.Fatalf("a login on B after the failover gets %d on A", got)
	}
	adminRevoke(t, b, "1002")
	waitFor(t, time.Second, "A to refuse the session revoked on B", func() bool {
		return replay(t, a, fresh) == http.StatusUnauthorized
	})
}

// withoutTLSFailsClosed starts one more gateway as o says (its store without tls) and
// requires it to be unready and to answer a protected request with cookie with 503.
func withoutTLSFailsClosed(t *testing.T, e *env, o envOptions, cookie string) {
	t.Helper()
	port := testcaddy.FreePort(t)
	base := fmt.Sprintf("http://localhost:%d", port)
	testcaddy.Start(t, caddyBin, e.caddyfile(o, port), base+"/.auth/healthz")
	if resp, body := get(t, http.DefaultClient, base+"/.auth/readyz"); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("readyz of a gateway without tls: %d %s, want 503", resp.StatusCode, body)
	}
	if got := replay(t, base, cookie); got != http.StatusServiceUnavailable {
		t.Errorf("a gateway without tls answers a protected request with %d, want 503", got)
	}
}

// TestRedisClusterOverTLS (about 4 s): a Redis Cluster of 3 masters and 3 replicas that
// speaks TLS only (client ports and bus; certificates of a throwaway authority, which Caddy
// trusts through SSL_CERT_FILE). Two instances with tls: a login on A works on B, an admin
// revocation on B ends the session on A. A gateway without tls fails closed.
func TestRedisClusterOverTLS(t *testing.T) {
	files := redistest.NewTLSFiles(t)
	t.Setenv("SSL_CERT_FILE", files.CAFile)
	cl := redistest.StartClusterTLS(t, 3, 1, files)
	store := "session redis_cluster " + strings.Join(cl.Addrs(), " ") + " {\n\t\t\t%s\n\t\t}"
	o := envOptions{instances: 2, session: fmt.Sprintf(store, "tls"), extra: "admin_token " + adminTokenE2E}
	e := newEnv(t, o)
	a, b := e.bases[0], e.bases[1]
	cookie := loginAt(t, e, a, 1001)
	if got := replay(t, b, cookie); got != http.StatusOK {
		t.Fatalf("a session made on A gets %d on B", got)
	}
	adminRevoke(t, b, "1001")
	waitFor(t, time.Second, "A to refuse the session revoked on B", func() bool {
		return replay(t, a, cookie) == http.StatusUnauthorized
	})
	plain := o
	plain.session = fmt.Sprintf(store, "cache off")
	withoutTLSFailsClosed(t, e, plain, loginAt(t, e, a, 1002))
}

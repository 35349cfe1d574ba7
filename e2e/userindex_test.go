package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kakaogate/kakaogate/internal/redistest"
)

// TestUserIndexOnClusterCapsAndConvertsOldIndexes runs the gateway on a Redis Cluster with
// max_sessions_per_user 2, through the Caddy binary:
//
//   - a third login of one person ends their oldest session, and the two newest keep working;
//   - a person whose index is still in the old form (a set, as written by the previous
//     version) logs in without WRONGTYPE, the index becomes a sorted set, and an admin
//     revocation ends every session of theirs, the one listed in the old index too.
func TestUserIndexOnClusterCapsAndConvertsOldIndexes(t *testing.T) {
	cl := redistest.StartCluster(t, 3, 0)
	e := newEnv(t, envOptions{
		session: "session redis_cluster " + strings.Join(cl.Addrs(), " "),
		extra:   "max_sessions_per_user 2\n\t\tadmin_token " + adminTokenE2E,
	})
	var cookies []string
	for range 3 {
		c := e.browser()
		e.login(c, "/app", 1001).Body.Close()
		cookies = append(cookies, sessionCookie(c, e.base))
	}
	for i, want := range []int{http.StatusUnauthorized, http.StatusOK, http.StatusOK} {
		if got := replay(t, e.base, cookies[i]); got != want {
			t.Fatalf("session %d of 3 with a cap of 2: %d, want %d", i+1, got, want)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client := redis.NewClusterClient(&redis.ClusterOptions{Addrs: cl.Addrs()})
	defer client.Close()
	// An old-form index for 1002 listing a session the old version wrote.
	if err := client.Set(ctx, "kakaogate:s:oldsession", "old blob", time.Hour).Err(); err != nil {
		t.Fatal(err)
	}
	if err := client.SAdd(ctx, "kakaogate:u:1002", "oldsession").Err(); err != nil {
		t.Fatal(err)
	}
	c := e.browser()
	e.login(c, "/app", 1002).Body.Close()
	cookie := sessionCookie(c, e.base)
	if got := replay(t, e.base, cookie); got != http.StatusOK {
		t.Fatalf("login over an old-form index: %d\n%s", got, e.caddy.Logs())
	}
	if typ := client.Type(ctx, "kakaogate:u:1002").Val(); typ != "zset" {
		t.Fatalf("the index is a %s after the login, want zset", typ)
	}
	adminRevoke(t, e.base, "1002")
	if got := replay(t, e.base, cookie); got != http.StatusUnauthorized {
		t.Fatalf("after the revocation: %d, want 401", got)
	}
	if n := client.Exists(ctx, "kakaogate:s:oldsession").Val(); n != 0 {
		t.Fatal("the session listed in the old index outlived the revocation")
	}
}

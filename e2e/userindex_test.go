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
//   - a person whose index is in the old form (a set at kakaogate:u:<user>, written here as
//     an instance of the previous version would, before and after the gateway's logins) logs
//     in; the gateway folds the old index into its own (kakaogate:uz:<user>) and removes it;
//     the old instance's SADD and SMEMBERS keep working afterwards; a later login folds what
//     it added; and an admin revocation ends every session of theirs, the ones the old
//     instance listed after the last fold too. No command, of either version, meets
//     WRONGTYPE.
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
	old := oldGateway{t: t, ctx: ctx, client: client, user: "1002"}
	login := func() string {
		c := e.browser()
		e.login(c, "/app", 1002).Body.Close()
		cookie := sessionCookie(c, e.base)
		if got := replay(t, e.base, cookie); got != http.StatusOK {
			t.Fatalf("login next to an old-form index: %d\n%s", got, e.caddy.Logs())
		}
		if listed := old.listed(); len(listed) != 0 {
			t.Fatalf("the old-form index still lists %q after a login folded it", listed)
		}
		return cookie
	}
	old.login("oldsession")
	first := login()
	if typ := client.Type(ctx, "kakaogate:uz:1002").Val(); typ != "zset" {
		t.Fatalf("the gateway's index is a %s, want zset", typ)
	}
	old.login("oldlate") // an old instance, still running after the fold
	second := login()
	old.login("oldlast")
	adminRevoke(t, e.base, "1002")
	for i, cookie := range []string{first, second} {
		if got := replay(t, e.base, cookie); got != http.StatusUnauthorized {
			t.Fatalf("session %d after the revocation: %d, want 401", i+1, got)
		}
	}
	for _, id := range []string{"oldsession", "oldlate", "oldlast"} { // one key per command: Cluster slots
		if client.Exists(ctx, "kakaogate:s:"+id).Val() != 0 {
			t.Fatalf("the session %s an old instance listed outlived the revocation", id)
		}
	}
	if listed := old.listed(); len(listed) != 0 {
		t.Fatalf("the old-form index lists %q after the revocation", listed)
	}
	if strings.Contains(e.caddy.Logs(), "WRONGTYPE") {
		t.Fatalf("the gateway met WRONGTYPE:\n%s", e.caddy.Logs())
	}
}

// oldGateway does what an instance of the previous version does with a user's sessions:
// a set at kakaogate:u:<user> (SADD, SMEMBERS). Every command must succeed.
type oldGateway struct {
	t      *testing.T
	ctx    context.Context
	client redis.UniversalClient
	user   string
}

// login stores a session id (a blob no gateway can open) and lists it in the old index.
func (o oldGateway) login(id string) {
	o.t.Helper()
	if err := o.client.Set(o.ctx, "kakaogate:s:"+id, "old blob", time.Hour).Err(); err != nil {
		o.t.Fatal(err)
	}
	if err := o.client.SAdd(o.ctx, "kakaogate:u:"+o.user, id).Err(); err != nil {
		o.t.Fatalf("an old instance's SADD: %v", err)
	}
}

// listed returns the ids the old index lists.
func (o oldGateway) listed() []string {
	o.t.Helper()
	ids, err := o.client.SMembers(o.ctx, "kakaogate:u:"+o.user).Result()
	if err != nil {
		o.t.Fatalf("an old instance's SMEMBERS: %v", err)
	}
	return ids
}

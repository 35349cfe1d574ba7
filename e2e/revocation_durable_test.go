package e2e

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/kakaogate/kakaogate/internal/redistest"
	"github.com/kakaogate/kakaogate/internal/testcaddy"
)

const durableAdminToken = "e2e-admin-token-0123456789-abcdefghijkl"

// durableEnv is one or more gateways over a real redis-server with an admin token and the
// unlink webhook, and a session of user 1001 that Redis has in its RDB snapshot, so it comes
// back when Redis restarts.
type durableEnv struct {
	*env
	rs     *redistest.Server
	rdb    *redis.Client
	cookie string
}

func newDurableEnv(t *testing.T, instances int) *durableEnv {
	t.Helper()
	rs := redistest.Start(t)
	e := newEnv(t, envOptions{
		instances: instances,
		session:   "session redis redis://" + rs.Addr() + "/0",
		extra:     "admin_key demo-admin-key\n\t\tapp_id 100001\n\t\tadmin_token " + durableAdminToken,
	})
	rdb := redis.NewClient(&redis.Options{Addr: rs.Addr(), MaxRetries: -1})
	t.Cleanup(func() { _ = rdb.Close() })
	c := e.browser()
	e.login(c, "/", 1001).Body.Close()
	de := &durableEnv{env: e, rs: rs, rdb: rdb, cookie: sessionCookie(c, e.base)}
	if de.cookie == "" {
		t.Fatal("no session cookie after login")
	}
	de.save(t)
	return de
}

// save makes Redis write its snapshot, which it loads when it starts again.
func (de *durableEnv) save(t *testing.T) {
	t.Helper()
	if err := de.rdb.Save(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
}

// revokeThenKill queues an admin revocation of 1001 on the first instance while Redis is down
// (202: queued on disk), kills that instance (SIGKILL) and brings Redis back with the session
// in its snapshot, so what follows proves that the journal, not Redis, carried the revocation.
func (de *durableEnv) revokeThenKill(t *testing.T) {
	t.Helper()
	de.rs.Stop()
	if got := de.adminRevoke(t); got != http.StatusAccepted {
		t.Fatalf("admin revoke with Redis down: %d, want 202 (queued on disk)", got)
	}
	de.caddy.Kill()
	de.rs.Start()
	if de.sessionsInRedis(t) != 1 {
		t.Fatal("the revoked session did not come back with Redis's snapshot: the test would prove nothing")
	}
}

// adminRevoke asks the gateway to end every session of 1001 and returns the status.
func (de *durableEnv) adminRevoke(t *testing.T) int {
	t.Helper()
	req, _ := http.NewRequest("POST", de.base+"/.auth/admin/revoke?user_id=1001", nil)
	req.Header.Set("Authorization", "Bearer "+durableAdminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// sessionsInRedis counts the session keys Redis holds.
func (de *durableEnv) sessionsInRedis(t *testing.T) int {
	t.Helper()
	keys, err := de.rdb.Keys(context.Background(), "kakaogate:s:*").Result()
	if err != nil {
		t.Fatal(err)
	}
	return len(keys)
}

// TestCase_gw_rev_01_DurableRevocationSurvivesKill9: an admin revocation answered while Redis is down is in
// the journal; the gateway is killed with SIGKILL, Redis comes back with the session in its
// snapshot, and the restarted gateway refuses the session on its very first request, then
// ends it in Redis. A login after the revocation works and is not ended by the replay.
func TestCase_gw_rev_01_DurableRevocationSurvivesKill9(t *testing.T) {
	de := newDurableEnv(t, 1)
	de.revokeThenKill(t)
	de.caddy.Restart()
	if got := replay(t, de.base, de.cookie); got != http.StatusUnauthorized {
		t.Fatalf("first request with the revoked session after the restart: %d, want 401", got)
	}
	c := de.browser()
	de.login(c, "/", 1001).Body.Close()
	fresh := sessionCookie(c, de.base)
	waitFor(t, 15*time.Second, "the replayed revocation to end the session in Redis", func() bool {
		return strings.Contains(de.caddy.Logs(), `"queued revocation completed","user_id":"1001"`)
	})
	if got := replay(t, de.base, de.cookie); got != http.StatusUnauthorized {
		t.Fatalf("revoked session after the replay: %d, want 401", got)
	}
	if got := replay(t, de.base, fresh); got != http.StatusOK {
		t.Fatalf("a login after the revocation: %d, want 200", got)
	}
	if de.sessionsInRedis(t) != 1 {
		t.Fatalf("Redis holds %d sessions, want only the login after the revocation", de.sessionsInRedis(t))
	}
	journals, _ := filepath.Glob(filepath.Join(de.caddy.DataDir(), "caddy", "kakaogate", "revocations-*.log"))
	if len(journals) != 1 {
		t.Fatalf("journal files: %v", journals)
	}
	if st, err := os.Stat(journals[0]); err != nil || st.Size() != 0 {
		t.Fatalf("the journal was not compacted once applied: %v, %v", st, err)
	}
}

// TestCase_gw_rev_02_DurableRevocationBitesTheMomentRedisReturns: with Redis down, requests with the
// session answer 503; the webhook queues the revocation; from the first request Redis answers
// again, the session is refused (401), with no window in which the retry has not run yet.
func TestCase_gw_rev_02_DurableRevocationBitesTheMomentRedisReturns(t *testing.T) {
	de := newDurableEnv(t, 1)
	de.rs.Stop()
	if got := de.adminRevoke(t); got != http.StatusAccepted {
		t.Fatalf("admin revoke with Redis down: %d, want 202", got)
	}
	if got := replay(t, de.base, de.cookie); got != http.StatusServiceUnavailable {
		t.Fatalf("with Redis down: %d, want 503", got)
	}
	de.rs.Start()
	waitRefused(t, de.base, de.cookie, 10*time.Second)
	if strings.Contains(de.caddy.Logs(), `"queued revocation completed"`) {
		t.Log("the retry had already run; the refusal did not depend on it")
	}
}

// waitRefused waits, within limit, until base refuses the session cookie (401), accepting
// only 503 (Redis not answering yet) meanwhile: never 200.
func waitRefused(t *testing.T, base, cookie string, limit time.Duration) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		got := replay(t, base, cookie)
		if got == http.StatusUnauthorized {
			return
		}
		if got != http.StatusServiceUnavailable || time.Now().After(deadline) {
			t.Fatalf("the revoked session answered %d, want 503 until Redis answers, then 401", got)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestCase_gw_rev_04_DurableRevocationDataDirNotWritable: a Redis store whose journal directory cannot be
// written is refused at provision (caddy validate and caddy run), with an error naming the
// directory; and `caddy validate` with a usable directory creates nothing in it.
func TestCase_gw_rev_04_DurableRevocationDataDirNotWritable(t *testing.T) {
	rs := redistest.Start(t)
	caddyfile := testcaddy.WriteFile(t, "Caddyfile", `{
	admin off
	persist_config off
}
http://localhost:1 {
	kakaogate {
		client_id demo-rest-api-key
		client_secret demo-client-secret
		cookie_secret `+testSecret+`
		session redis redis://`+rs.Addr()+`/0
	}
	respond "ok"
}`)
	run := func(dataHome string, args ...string) (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute) // a run that starts would not end
		defer cancel()
		cmd := exec.CommandContext(ctx, caddyBin, append(args, "--config", caddyfile, "--adapter", "caddyfile")...)
		cmd.Env = append(os.Environ(), "XDG_DATA_HOME="+dataHome, "HOME="+dataHome, "XDG_CONFIG_HOME="+dataHome)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	blocked := t.TempDir()
	if err := os.MkdirAll(filepath.Join(blocked, "caddy"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(blocked, "caddy", "kakaogate"), []byte("not a directory"), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(blocked, "caddy", "kakaogate")
	for _, cmd := range []string{"validate", "run"} {
		out, err := run(blocked, cmd)
		if err == nil || !strings.Contains(out, dir) {
			t.Errorf("caddy %s with %s not a directory: err %v, want a failure naming it:\n%s", cmd, dir, err, out)
		}
	}

	clean := t.TempDir()
	if out, err := run(clean, "validate"); err != nil {
		t.Fatalf("caddy validate: %v\n%s", err, out)
	}
	if _, err := os.Stat(filepath.Join(clean, "caddy", "kakaogate")); !os.IsNotExist(err) {
		t.Fatalf("caddy validate created the journal directory: %v", err)
	}
}

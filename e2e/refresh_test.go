package e2e

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/internal/redistest"
	"github.com/kakaogate/kakaogate/kakaotest"
)

// refreshSoon makes the emulator issue access tokens that fall inside the gateway's refresh
// margin (5 minutes) three seconds after they are issued.
func refreshSoon(o *kakaotest.Options) { o.AccessTokenTTL = 5*time.Minute + 3*time.Second }

// dueWait is how long to wait after a token was issued for its refresh to be due.
const dueWait = 3500 * time.Millisecond

// TestRefreshHappensOnceAcrossInstances: many concurrent requests on two gateways sharing one
// Redis, at refresh time, make exactly one token call; everyone then uses the new token.
func TestRefreshHappensOnceAcrossInstances(t *testing.T) {
	rs := redistest.Start(t)
	e := newEnv(t, envOptions{
		instances: 2,
		session:   "session redis redis://" + rs.Addr() + "/0",
		extra:     "pass_access_token",
		emulator: func(o *kakaotest.Options) {
			refreshSoon(o)
			// Rotate the refresh token at every refresh, as Kakao does in its last month.
			o.RefreshRotationWindow = kakaotest.DefaultRefreshTokenTTL - time.Second
		},
	})
	c := e.browser()
	e.login(c, "/", 1001).Body.Close()
	cookie := sessionCookie(c, e.base)
	first := e.up.last(t).Header.Get("X-Auth-Access-Token")
	if first == "" {
		t.Fatal("pass_access_token did not forward the access token")
	}

	for round := 1; round <= 2; round++ { // the second round uses the rotated refresh token
		time.Sleep(dueWait)
		before := e.emulator.Calls("/oauth/token")
		var wg sync.WaitGroup
		statuses := make(chan int, 40)
		for i := 0; i < 40; i++ {
			wg.Add(1)
			go func(base string) {
				defer wg.Done()
				statuses <- replay(t, base, cookie)
			}(e.bases[i%2])
		}
		wg.Wait()
		close(statuses)
		for s := range statuses {
			if s != http.StatusOK {
				t.Fatalf("round %d: a request at refresh time got %d", round, s)
			}
		}
		if n := e.emulator.Calls("/oauth/token") - before; n != 1 {
			t.Fatalf("round %d: %d token calls for one session, want exactly 1", round, n)
		}
	}
	replay(t, e.bases[1], cookie)
	if got := e.up.last(t).Header.Get("X-Auth-Access-Token"); got == "" || got == first {
		t.Fatal("after refresh the upstream still gets the first access token")
	}
}

// TestRefreshInvalidGrantEndsSession: a refused refresh token ends the session; the next
// navigation logs in again and API calls get 401.
func TestRefreshInvalidGrantEndsSession(t *testing.T) {
	e := newEnv(t, envOptions{emulator: refreshSoon})
	c := e.browser()
	e.login(c, "/", 1001).Body.Close()
	cookie := sessionCookie(c, e.base)
	e.emulator.ExpireRefreshTokens()
	time.Sleep(dueWait)
	if got := replay(t, e.base, cookie); got != http.StatusUnauthorized {
		t.Fatalf("after invalid_grant: %d, want 401", got)
	}
	resp, _ := get(t, noRedirects(c), e.base+"/")
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("navigation after invalid_grant: %d, want a redirect to log in", resp.StatusCode)
	}
}

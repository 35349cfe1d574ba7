package gateway

// Section F of docs/rp-security.md: token endpoint, userinfo, refresh.

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/internal/secureurl"
	"github.com/kakaogate/kakaogate/oidc/oidctest"
	"github.com/kakaogate/kakaogate/session"
)

func TestCase_gw_tok_01_RefusesLoginWhenTokenRequestFails(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		fault oidctest.Fault
		want  int
	}{
		"invalid_grant": {oidctest.Fault{Status: http.StatusBadRequest, Body: []byte(`{"error":"invalid_grant"}`)}, http.StatusBadRequest},
		"500":           {oidctest.Fault{Status: http.StatusInternalServerError, Body: []byte("<html>oops")}, http.StatusServiceUnavailable},
		"hangs":         {oidctest.Fault{Delay: 4 * providerTimeout}, http.StatusServiceUnavailable},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			oidcCase{want: tc.want, forge: func(h *harness) { h.op.SetFault(oidctest.Token, tc.fault) }}.run(t)
			if d := time.Since(start); d > 2*time.Second+2*providerTimeout {
				t.Errorf("took %v: the token call is not bounded", d)
			}
		})
	}
}

func TestCase_gw_tok_02_RefusesProviderWithHTTPEndpoint(t *testing.T) {
	t.Parallel()
	for _, endpoint := range []string{"authorization_endpoint", "token_endpoint", "jwks_uri", "userinfo_endpoint", "end_session_endpoint"} {
		t.Run(endpoint, func(t *testing.T) {
			t.Parallel()
			h := newOIDC(t, harnessOptions{})
			h.op.MutateDiscovery(func(d map[string]any) { d[endpoint] = "http://op.example/" + endpoint })
			res := h.get(noFollow(h.browser()), "/.auth/login?rd=%2Fapp")
			if res.StatusCode != http.StatusServiceUnavailable {
				t.Fatalf("login with an http %s: %d, want 503", endpoint, res.StatusCode)
			}
			insecure := fmt.Sprintf("%s: %q: %s", endpoint, "http://op.example/"+endpoint, secureurl.ErrInsecure)
			if id := h.problemID(t, res, true); !loggedError(h, id, insecure) {
				t.Errorf("not logged as an insecure endpoint: %v", h.loggedWith(id))
			}
			if n := h.op.Count(oidctest.Authorize) + h.op.Count(oidctest.Token); n != 0 {
				t.Errorf("the refused provider was called %d times", n)
			}
		})
	}
}

// refreshHarness logs a browser in and moves the gateway's clock to where the access token is
// due for refresh; refreshed tokens live an hour, so one refresh suffices.
func refreshHarness(t *testing.T, op oidctest.Options, configure func(*config.Config)) (*harness, *http.Client, sessionView) {
	t.Helper()
	h := newOIDC(t, harnessOptions{op: op, configure: configure})
	h.patientProvider(t, 10*time.Second) // refresh calls must not time out under load
	c := h.browser()
	h.expectLogin(t, c, h.authorize(c, "/app", 0), "/app", "user-1")
	sess := h.storedSession(t, c)
	h.op.MutateToken(func(resp map[string]any) { resp["expires_in"] = 3600 })
	h.clock.Add(6 * time.Minute)
	return h, c, sess
}

func TestCase_gw_ref_01_InvalidGrantEndsSession(t *testing.T) {
	t.Parallel()
	h, c, sess := refreshHarness(t, oidctest.Options{}, nil)
	h.op.SetFault(oidctest.Token, oidctest.Fault{Status: http.StatusBadRequest, Body: []byte(`{"error":"invalid_grant"}`)})
	before := h.up.count()
	if r := h.get(c, "/app", "Accept: application/json"); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("request after a refused refresh: %d, want 401", r.StatusCode)
	}
	if _, err := h.loadSession(sess.cookie); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("the session survived invalid_grant: %v", err)
	}
	if r := h.get(noFollow(c), "/app"); r.StatusCode != http.StatusFound || !strings.HasPrefix(r.Header.Get("Location"), h.op.URL(oidctest.Authorize)) {
		t.Errorf("navigation after the session ended: %d to %q, want a new login", r.StatusCode, r.Header.Get("Location"))
	}
	if h.up.count() != before {
		t.Error("a request reached the upstream after the session ended")
	}
}

func TestCase_gw_ref_02_ConcurrentRequestsRefreshOnceAndUseRotatedToken(t *testing.T) {
	t.Parallel()
	h, c, sess := refreshHarness(t, oidctest.Options{RotateRefreshTokens: true}, nil)
	h.op.SetFault(oidctest.Token, oidctest.Fault{Delay: 100 * time.Millisecond}) // requests pile up
	for round := range 2 {
		var wg sync.WaitGroup
		for range 50 {
			wg.Go(func() {
				if r := h.get(c, "/app", "Accept: application/json"); r.StatusCode != http.StatusOK {
					t.Errorf("round %d: %d %s", round, r.StatusCode, r.body)
				}
			})
		}
		wg.Wait()
		if n := h.op.Count(oidctest.Token); n != 2+round {
			t.Fatalf("round %d: %d token requests, want the code and exactly %d refresh(es)", round, n, round+1)
		}
		h.clock.Add(time.Hour) // the next refresh is due
	}
	reqs := h.op.Requests(oidctest.Token)
	first, second := reqs[1].Form.Get("refresh_token"), reqs[2].Form.Get("refresh_token")
	if first != sess.refresh || second == first || second == "" {
		t.Errorf("refresh tokens used: %q then %q: the rotated one must replace the old", first, second)
	}
}

func TestCase_gw_ref_03_BadlySignedRefreshedIDTokenEndsSession(t *testing.T) {
	t.Parallel()
	h, c, sess := refreshHarness(t, oidctest.Options{}, nil)
	replaceIDToken(h, corruptSignature)
	before := h.up.count()
	if r := h.get(c, "/app", "Accept: application/json"); r.StatusCode != http.StatusUnauthorized {
		t.Fatalf("request with a badly signed refreshed ID token: %d, want 401", r.StatusCode)
	}
	if _, err := h.loadSession(sess.cookie); !errors.Is(err, session.ErrNotFound) {
		t.Errorf("the session survived: %v", err)
	}
	if h.logs.FilterMessage("refreshed ID token rejected").Len() != 1 || h.up.count() != before {
		t.Error("the refusal was not logged, or the request went upstream")
	}
}

func TestCase_gw_ref_04_TokensStayOutOfCookiesAndUpstream(t *testing.T) {
	t.Parallel()
	for _, pass := range []bool{false, true} {
		t.Run(map[bool]string{false: "default", true: "pass_access_token"}[pass], func(t *testing.T) {
			t.Parallel()
			h := newOIDC(t, harnessOptions{configure: func(c *config.Config) { c.PassAccessToken = pass }})
			c := h.browser()
			var cookies []string
			_, authURL := h.startLogin(c, "/app")
			cb := h.signIn(c, authURL, 0)
			cookies = append(cookies, loginCookie(h, c, stateOf(cb)).Value)
			res := h.get(noFollow(c), cb)
			for _, ck := range res.Cookies() {
				cookies = append(cookies, ck.Value)
			}
			h.get(c, "/app", "Accept: application/json")
			sess := h.storedSession(t, c)
			up := h.up.last(t)
			for name, tok := range map[string]string{"access": sess.access, "refresh": sess.refresh, "ID": sess.idToken} {
				for _, v := range cookies {
					if strings.Contains(v, tok) {
						t.Errorf("the %s token is in a cookie", name)
					}
				}
				for hn, vs := range up.Header {
					if strings.Contains(strings.Join(vs, " "), tok) && !(pass && name == "access" && hn == "X-Auth-Access-Token") {
						t.Errorf("the %s token is in the upstream header %s", name, hn)
					}
				}
			}
			if got := up.Header.Get("X-Auth-Access-Token"); (got == sess.access) != pass {
				t.Errorf("X-Auth-Access-Token %q with pass_access_token %v", got, pass)
			}
			if v := h.sessionCookie(c).Value; len(v) > 300 {
				t.Errorf("the session cookie is %d bytes: more than an opaque ticket", len(v))
			}
		})
	}
}

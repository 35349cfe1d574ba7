package e2e

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/kakaogate/kakaogate/internal/redistest"
	"github.com/kakaogate/kakaogate/kakaotest"
)

// upstreamHeaders sends a request with the session cookie value (and headers, "Name: value")
// to base and returns the headers the upstream received (it answers with them as JSON).
func upstreamHeaders(t *testing.T, base, cookie string, headers ...string) http.Header {
	t.Helper()
	headers = append(headers, "Accept: application/json", "Cookie: __Host-kakaogate="+cookie)
	resp, body := get(t, http.DefaultClient, base+"/private", headers...)
	var h http.Header
	if resp.StatusCode != http.StatusOK || json.Unmarshal([]byte(body), &h) != nil {
		t.Fatalf("GET %s/private: %d", base, resp.StatusCode)
	}
	return h
}

// TestSignupOnOneInstanceReachesEverySession: two gateways share one Redis, the app's
// auto-link is off and signup is left to the app. The person has a session from A and one
// from B, both X-Auth-Signed-Up: false (B has just opened A's session into its cache). They
// confirm the signup page on A: Kakao links them with the configured property, A sends them
// to rd, and at once both sessions say X-Auth-Signed-Up: true on both instances, to the
// upstream (even when the client names the header in Connection) and in verify's answer.
func TestSignupOnOneInstanceReachesEverySession(t *testing.T) {
	e := newEnv(t, envOptions{
		instances: 2,
		session:   "session redis redis://" + redistest.Start(t).Addr() + "/0",
		extra:     "signup app\n\t\tsignup_properties plan=free\n\t\tpass_access_token",
		emulator: func(o *kakaotest.Options) {
			o.DisableAutoLink = true
			o.PropertyKeys = []string{"plan"}
		},
	})
	a, b := e.bases[0], e.bases[1]
	onA, onB := e.browser(), e.browser()
	for _, s := range []struct {
		c    *http.Client
		base string
	}{{onA, a}, {onB, b}} {
		resp, err := kakaotestLogin(s.c, s.base, 1001)
		if err != nil {
			t.Fatalf("login on %s: %v\n%s", s.base, err, e.caddy.Logs())
		}
		resp.Body.Close()
	}
	cookies := []string{sessionCookie(onA, a), sessionCookie(onB, b)}
	for _, ck := range cookies {
		for _, base := range e.bases {
			if got := upstreamHeaders(t, base, ck).Get("X-Auth-Signed-Up"); got != "false" {
				t.Fatalf("before signup %s sent X-Auth-Signed-Up %q, want false", base, got)
			}
		}
	}

	resp := submitPage(t, noRedirects(onA), a+"/.auth/signup?rd=%2Fwelcome", "confirm", "yes")
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != "/welcome" {
		t.Fatalf("signup POST on A: %d → %q\n%s", resp.StatusCode, resp.Header.Get("Location"), e.caddy.Logs())
	}
	if !e.emulator.SignedUp(1001) {
		t.Fatal("Kakao did not link the person")
	}
	// At once: no waiting for pub/sub.
	for i, ck := range cookies {
		for _, base := range []string{b, a} {
			if h := upstreamHeaders(t, base, ck, hostileHopByHop...); h.Get("X-Auth-Signed-Up") != "true" || h.Get("X-Auth-User-Id") != "1001" {
				t.Errorf("after signup, session %d on %s sent X-Auth-Signed-Up %q (user %q), want true", i, base, h.Get("X-Auth-Signed-Up"), h.Get("X-Auth-User-Id"))
			}
			if v, _ := get(t, http.DefaultClient, base+"/.auth/verify", "Cookie: __Host-kakaogate="+ck); v.StatusCode != http.StatusOK || v.Header.Get("X-Auth-Signed-Up") != "true" {
				t.Errorf("after signup, verify of session %d on %s: %d, X-Auth-Signed-Up %q, want true", i, base, v.StatusCode, v.Header.Get("X-Auth-Signed-Up"))
			}
		}
	}

	token := upstreamHeaders(t, b, cookies[1]).Get("X-Auth-Access-Token")
	req, _ := http.NewRequest(http.MethodGet, e.emulator.URL()+"/v2/user/me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	me, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer me.Body.Close()
	var user struct {
		HasSignedUp bool           `json:"has_signed_up"`
		Properties  map[string]any `json:"properties"`
	}
	if err := json.NewDecoder(me.Body).Decode(&user); err != nil || !user.HasSignedUp || user.Properties["plan"] != "free" {
		t.Fatalf("Kakao's user after signup: %+v (%v)", user, err)
	}
}

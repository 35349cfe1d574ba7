package gateway

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
)

// droppingJar is a browser's cookie jar that never keeps the gateway's session cookie, as
// when a proxy drops that Set-Cookie or the browser refuses it.
type droppingJar struct {
	*cookiejar.Jar
	drop string
}

func (j droppingJar) SetCookies(u *url.URL, cookies []*http.Cookie) {
	kept := cookies[:0:0]
	for _, c := range cookies {
		if c.Name != j.drop {
			kept = append(kept, c)
		}
	}
	j.Jar.SetCookies(u, kept)
}

// TestRedirectLoopIsStopped: with a session cookie that never sticks, every login comes
// back, the protected page sends the browser to log in again and Kakao, whose session lives,
// sends it straight back. After a few rounds the gateway stops with a page and a log line.
func TestRedirectLoopIsStopped(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: droppingJar{jar, h.gw.cookies.session}, Timeout: 10 * time.Second, Transport: navigationTransport{}}
	h.login(c, "/app", 1001) // Kakao's session now lives in the jar; ours never will

	res := h.get(c, "/app") // followed: Kakao answers at once, and round it goes
	if res.StatusCode != http.StatusConflict || !strings.Contains(res.body, "login_loop") {
		t.Fatalf("a loop ended on %d at %s\n%.500s", res.StatusCode, res.Request.URL, res.body)
	}
	if n := h.kakao.Calls("/oauth/token"); n != loopLimit {
		t.Errorf("%d logins before the loop was stopped, want %d", n, loopLimit)
	}
	logged := h.logs.FilterMessageSnippet("redirect loop stopped").All()
	if len(logged) != 1 || logged[0].Level != zapcore.WarnLevel || logged[0].ContextMap()["request_id"] == "" {
		t.Fatalf("the loop was not logged once at warn with its request id: %v", logged)
	}

	// The page's button starts a fresh count: one more login goes to Kakao.
	before := h.kakao.Calls("/oauth/token")
	if res := h.get(c, "/.auth/login?rd=%2Fapp"); res.StatusCode != http.StatusConflict {
		t.Fatalf("try again after the loop page: %d", res.StatusCode)
	}
	if n := h.kakao.Calls("/oauth/token") - before; n != loopLimit {
		t.Errorf("try again: %d logins before the next stop, want %d", n, loopLimit)
	}
}

// TestLoginsWithAWorkingSessionAreNotALoop: a person whose session ends again and again,
// using the site in between, never meets the loop page: the session's first use drops the
// count, on a protected page as at <prefix>/verify (forward auth, where the front proxy
// serves the pages).
func TestLoginsWithAWorkingSessionAreNotALoop(t *testing.T) {
	for _, used := range []string{"/app", "/.auth/verify"} {
		t.Run(used, func(t *testing.T) {
			h := newHarness(t, harnessOptions{})
			c := h.browser()
			site, _ := url.Parse(h.base)
			for i := range loopLimit + 2 {
				h.login(c, "/app", 1001)
				if res := h.get(c, used); res.StatusCode != http.StatusOK {
					t.Fatalf("round %d: %d", i, res.StatusCode)
				}
				for _, ck := range c.Jar.Cookies(site) {
					if ck.Name == h.gw.cookies.loop {
						t.Fatalf("round %d: the loop count outlived the session's first use", i)
					}
				}
				c.Jar.SetCookies(site, []*http.Cookie{{Name: h.gw.cookies.session, Path: "/", MaxAge: -1}})
			}
		})
	}
}

// TestLoopCountCookie: the loop cookie's value reads back, and anything else is no count.
func TestLoopCountCookie(t *testing.T) {
	tests := []struct {
		value string
		want  loopCount
		ok    bool
	}{
		{"3.1700000000", loopCount{3, 1700000000}, true},
		{"0.0", loopCount{0, 0}, true},
		{"", loopCount{}, false},
		{"3", loopCount{}, false},
		{"x.1", loopCount{}, false},
		{"-1.5", loopCount{}, false},
		{"1000.5", loopCount{}, false},
		{"1.99999999999999999999", loopCount{}, false},
	}
	for _, tt := range tests {
		got, ok := parseLoopCount(tt.value)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseLoopCount(%q) = %v, %v; want %v, %v", tt.value, got, ok, tt.want, tt.ok)
		}
		if ok && got.String() != tt.value {
			t.Errorf("%v encodes as %q, want %q", got, got.String(), tt.value)
		}
	}
}

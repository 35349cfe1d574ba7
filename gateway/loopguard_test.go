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
	if res.StatusCode != http.StatusConflict || !strings.Contains(res.body, "login_loop") && !strings.Contains(res.body, "not keeping the login") {
		t.Fatalf("a loop ended on %d at %s\n%.500s", res.StatusCode, res.Request.URL, res.body)
	}
	if n := h.kakao.Calls("/oauth/token"); n != loopLimit {
		t.Errorf("%d logins before the loop was stopped, want %d", n, loopLimit)
	}
	logged := h.logs.FilterMessageSnippet("redirect loop stopped").All()
	if len(logged) != 1 || logged[0].Level != zapcore.WarnLevel || logged[0].ContextMap()["request_id"] == "" {
		t.Fatalf("the loop was not logged once at warn with its request id: %v", logged)
	}
}

// TestLoginsWithAWorkingSessionAreNotALoop: a person whose session ends again and again
// (the same browser, its loop id kept), using the site in between, never meets the loop page.
func TestLoginsWithAWorkingSessionAreNotALoop(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	c := h.browser()
	site, _ := url.Parse(h.base)
	for i := range loopLimit + 2 {
		h.login(c, "/app", 1001)
		if res := h.get(c, "/app"); res.StatusCode != http.StatusOK {
			t.Fatalf("round %d: %d", i, res.StatusCode)
		}
		c.Jar.SetCookies(site, []*http.Cookie{{Name: h.gw.cookies.session, Path: "/", MaxAge: -1}})
	}
	if _, ok := h.gw.loops.returns[""]; ok || len(h.gw.loops.returns) > 1 {
		t.Fatalf("loop counts: %v", h.gw.loops.returns)
	}
}

// TestLoopCountsForget: counts expire after the window and are dropped by forget.
func TestLoopCountsForget(t *testing.T) {
	var c loopCounts
	now := time.Now()
	for range loopLimit {
		c.returned("a", now)
	}
	if !c.looping("a", now) || c.looping("b", now) {
		t.Fatal("looping after loopLimit returns, for that browser only")
	}
	if c.looping("a", now.Add(loopWindow+time.Second)) {
		t.Fatal("a count outlived its window")
	}
	c.forget("a")
	if c.looping("a", now) {
		t.Fatal("forget kept the count")
	}
}

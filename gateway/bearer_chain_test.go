package gateway

import (
	"net/http"
	"strings"
	"testing"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/kakaotest"
)

// TestBearerThroughChainedGateways: two gateways on one request both accept bearer tokens;
// the first removes Authorization before passing the request on, and the second still
// judges the request by the client's token (kept in the request's chain).
func TestBearerThroughChainedGateways(t *testing.T) {
	var second *Gateway
	h := newHarness(t, harnessOptions{
		emulator:  func(o *kakaotest.Options) { o.Apps = []kakaotest.App{nativeApp} },
		configure: func(c *config.Config) { c.Bearer, c.AppID = &config.BearerOptions{}, kakaotest.DefaultAppID },
		after: func(h *harness, up Next) Next {
			return func(w http.ResponseWriter, r *http.Request) error { return second.ServeHTTP(w, r, up) }
		},
	})
	cfg := *h.cfg
	cfg.Headers = []config.HeaderClaim{{Header: "X-Remote-User", Claim: "id"}}
	var err error
	second, err = New(Options{Config: &cfg, RP: h.gw.idps[0].rp, Kakao: h.gw.kakao, Sessions: h.gw.sessions,
		Locker: h.gw.locker, Now: h.clockNow})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(second.Close)

	tok := h.appToken(nativeApp, 1001)
	if res := h.api("/api", tok); res.StatusCode != http.StatusOK {
		t.Fatalf("%d %s", res.StatusCode, res.body)
	}
	up := h.up.last(t).Header
	if up.Get("X-Remote-User") != "1001" || up.Get("Authorization") != "" {
		t.Fatalf("upstream: X-Remote-User %q, Authorization %q", up.Get("X-Remote-User"), up.Get("Authorization"))
	}
	before := h.up.count()
	h.wantBearerRefused(h.api("/api", strings.Repeat("z", 40)), before)
}

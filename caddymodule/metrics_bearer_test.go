package caddymodule

import (
	"net/http"
	"testing"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/kakaotest"
)

// TestMetricsCountBearerLookupsHitsAndRefusals: a provisioned handler with bearer on counts
// every bearer request, the answers from its cache and the refusals by reason.
func TestMetricsCountBearerLookupsHitsAndRefusals(t *testing.T) {
	native := kakaotest.App{ClientID: "native-app-key", AppID: kakaotest.DefaultAppID, RedirectURIs: []string{"kakaonative-app-key://oauth"}}
	other := kakaotest.App{ClientID: "other-app-key", AppID: "200002", RedirectURIs: []string{"kakaoother-app-key://oauth"}}
	var s *site
	base := serve(t, func() *Handler { return s.h })
	emu := kakaotest.NewServer(kakaotest.Options{RedirectURIs: []string{base + "/.auth/callback"}, Apps: []kakaotest.App{native, other}})
	t.Cleanup(emu.Close)
	ctx := newContext(t)
	reg := ctx.GetMetricsRegistry()
	s = newSite(t, ctx, emu, base, func(c *config.Config) {
		c.Bearer, c.AppID, c.AdminKey = &config.BearerOptions{}, kakaotest.DefaultAppID, kakaotest.DefaultAdminKey
	})
	counters := [][]string{
		{"kakaogate_bearer_lookups_total"},
		{"kakaogate_bearer_cache_hits_total"},
		{"kakaogate_bearer_refused_total", "reason", "other_app"},
		{"kakaogate_bearer_refused_total", "reason", "invalid"},
	}
	start := make([]float64, len(counters))
	for i, c := range counters {
		start[i] = metricValue(t, reg, c[0], c[1:]...)
	}
	call := func(tok string) int {
		req, _ := http.NewRequest(http.MethodGet, base+"/api", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	good, err := kakaotest.AppLogin(emu.URL(), native, 1001)
	if err != nil {
		t.Fatal(err)
	}
	bad, err := kakaotest.AppLogin(emu.URL(), other, 1001)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []struct {
		tok    string
		status int
	}{{good.AccessToken, 200}, {good.AccessToken, 200}, {good.AccessToken, 200}, {bad.AccessToken, 401}, {"unknown-token", 401}} {
		if got := call(want.tok); got != want.status {
			t.Fatalf("status %d, want %d", got, want.status)
		}
	}
	for i, want := range []float64{5, 2, 1, 1} {
		if got := metricValue(t, reg, counters[i][0], counters[i][1:]...) - start[i]; got != want {
			t.Errorf("%v grew by %v, want %v", counters[i], got, want)
		}
	}
}

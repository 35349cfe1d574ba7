package gateway

import (
	"errors"

	"github.com/kakaogate/kakaogate/config"
)

// setUpBearer builds the bearer resolver when bearer access is on: Kakao access tokens with
// provider kakao, provider JWTs otherwise. Its cache keeps positive answers only while the
// session store reports every user revocation (session.Manager.WatchUsers), so an unlink, its
// webhook or an admin revocation on any instance drops them at once.
func (g *Gateway) setUpBearer() error {
	g.bearerMetrics = bearerMetricsOf(g.metrics)
	if !g.cfg.BearerEnabled() {
		return nil
	}
	lookup := g.jwtBearer
	if g.cfg.Provider == config.ProviderKakao {
		if g.kakao == nil {
			return errors.New("bearer with provider kakao needs the Kakao API (Options.Kakao)")
		}
		lookup = g.kakaoBearer
	}
	b := newBearerResolver(lookup, g.now, g.bearerMetrics)
	complete, stop, ok := g.sessions.WatchUsers(b.dropUser)
	b.complete, b.stopWatching = complete, stop
	if !ok {
		g.logger.Warn("bearer answers are not cached: the session store announces no revocations (session cache off); every bearer request asks the provider")
	}
	g.bearer = b
	return nil
}

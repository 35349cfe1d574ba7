package caddymodule

import (
	"go.uber.org/zap"

	"github.com/kakaogate/kakaogate/session"
)

// redisCacheSize bounds the sessions each Caddy process keeps opened in front of Redis
// (a few KiB each).
const redisCacheSize = 10000

// redisCacheOptions configure the in-process session cache in front of a Redis store: the
// session package's defaults (5 s per session; it serves only while subscribed to the
// invalidation channel, which every instance publishes changes and revocations to), with its
// state changes logged.
func redisCacheOptions(logger *zap.Logger) session.RedisCacheOptions {
	return session.RedisCacheOptions{
		Size: redisCacheSize,
		OnChange: func(serving bool, err error) {
			if serving {
				logger.Info("session cache serving: subscribed to session invalidations")
				return
			}
			logger.Warn("session cache off until the invalidation subscription is back", zap.Error(err))
		},
	}
}

package caddymodule

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/kakaogate/kakaogate/gateway"
)

// bearerCounters count bearer-token requests (gateway.BearerMetrics).
type bearerCounters struct {
	lookups   *prometheus.CounterVec
	cacheHits *prometheus.CounterVec
	refused   *prometheus.CounterVec
}

func newBearerCounters(counter func(name, help string, labels ...string) *prometheus.CounterVec) bearerCounters {
	return bearerCounters{
		lookups:   counter("bearer_lookups_total", "Protected requests that carried a bearer token."),
		cacheHits: counter("bearer_cache_hits_total", "Bearer tokens answered from the cache, without asking the provider."),
		refused: counter("bearer_refused_total", "Bearer tokens refused, by reason (malformed, invalid, expired, other_app, opaque, insufficient_scope, denied, unavailable).",
			"reason"),
	}
}

// BearerLookup implements gateway.BearerMetrics.
func (m *gatewayMetrics) BearerLookup() { m.bearer.lookups.WithLabelValues().Inc() }

// BearerCacheHit implements gateway.BearerMetrics.
func (m *gatewayMetrics) BearerCacheHit() { m.bearer.cacheHits.WithLabelValues().Inc() }

// BearerRefused implements gateway.BearerMetrics.
func (m *gatewayMetrics) BearerRefused(reason string) { m.bearer.refused.WithLabelValues(reason).Inc() }

// Interface guard
var _ gateway.BearerMetrics = (*gatewayMetrics)(nil)

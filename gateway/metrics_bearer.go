package gateway

// BearerMetrics counts bearer-token requests. A Metrics that also implements it receives
// these events; otherwise they are not counted.
type BearerMetrics interface {
	// BearerLookup counts a protected request that carried a bearer token.
	BearerLookup()
	// BearerCacheHit counts a bearer token answered from the cache (no provider call).
	BearerCacheHit()
	// BearerRefused counts a bearer token refused, by reason: malformed, invalid, expired,
	// other_app, opaque, insufficient_scope, denied or unavailable.
	BearerRefused(reason string)
}

// noBearerMetrics counts nothing.
type noBearerMetrics struct{}

func (noBearerMetrics) BearerLookup()        {}
func (noBearerMetrics) BearerCacheHit()      {}
func (noBearerMetrics) BearerRefused(string) {}

// bearerMetricsOf returns m's BearerMetrics, or one that counts nothing.
func bearerMetricsOf(m Metrics) BearerMetrics {
	if bm, ok := m.(BearerMetrics); ok {
		return bm
	}
	return noBearerMetrics{}
}

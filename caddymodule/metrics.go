package caddymodule

import (
	"errors"
	"fmt"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/kakaogate/kakaogate/gateway"
)

// metricsKey is the metricsPool key of the one set of kakaogate collectors in the process.
const metricsKey = "metrics"

// Outcome label values of kakaogate_jwks_refreshes_total.
const (
	outcomeOK    = "ok"
	outcomeError = "error"
)

// gatewayMetrics are kakaogate's Prometheus collectors. One set exists per process (shared
// through metricsPool, so counters keep counting across config reloads) and is registered in
// the metrics registry of every Caddy configuration that has a kakaogate handler, which is
// what Caddy's admin /metrics endpoint and the metrics handler serve. It implements
// gateway.Metrics.
type gatewayMetrics struct {
	loginsStarted   *prometheus.CounterVec
	loginsSucceeded *prometheus.CounterVec
	loginsFailed    *prometheus.CounterVec
	refreshes       *prometheus.CounterVec
	revocations     *prometheus.CounterVec
	storeDuration   *prometheus.HistogramVec
	storeErrors     *prometheus.CounterVec
	jwksRefreshes   *prometheus.CounterVec
	cookiesRejected *prometheus.CounterVec
	bearer          bearerCounters
}

func newGatewayMetrics() *gatewayMetrics {
	const ns = "kakaogate"
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: ns, Name: name, Help: help}, labels)
	}
	return &gatewayMetrics{
		loginsStarted:   counter("logins_started_total", "Browsers sent to an identity provider to log in.", "provider"),
		loginsSucceeded: counter("logins_succeeded_total", "Logins that ended with a new session.", "provider"),
		loginsFailed:    counter("logins_failed_total", "Logins that ended without a session, by reason.", "provider", "reason"),
		refreshes:       counter("token_refreshes_total", "Token refresh attempts, by outcome (refreshed, failed, ended, error).", "outcome"),
		revocations:     counter("revocations_total", "Sessions ended on purpose, by source (logout, unlink, webhook, admin).", "source"),
		storeDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: ns, Name: "session_store_duration_seconds",
			Help:    "Latency of session store operations.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"operation"}),
		storeErrors:     counter("session_store_errors_total", "Session store operations that failed (a missing session is not a failure).", "operation"),
		jwksRefreshes:   counter("jwks_refreshes_total", "Fetches of an identity provider's signing keys, by issuer and outcome (ok, error).", "issuer", "outcome"),
		cookiesRejected: counter("cookies_rejected_total", "Gateway cookies that failed to open (tampered, expired, old secret), by cookie (session, login).", "cookie"),
		bearer:          newBearerCounters(counter),
	}
}

func (m *gatewayMetrics) collectors() []prometheus.Collector {
	return []prometheus.Collector{m.loginsStarted, m.loginsSucceeded, m.loginsFailed, m.refreshes,
		m.revocations, m.storeDuration, m.storeErrors, m.jwksRefreshes, m.cookiesRejected,
		m.bearer.lookups, m.bearer.cacheHits, m.bearer.refused}
}

// register adds the collectors to reg. Registering them again into the same registry (a
// second kakaogate handler in one configuration) is not an error.
func (m *gatewayMetrics) register(reg prometheus.Registerer) error {
	for _, c := range m.collectors() {
		err := reg.Register(c)
		var are prometheus.AlreadyRegisteredError
		if err == nil || (errors.As(err, &are) && are.ExistingCollector == c) {
			continue
		}
		return fmt.Errorf("registering metrics: %w", err)
	}
	return nil
}

// Destruct implements caddy.Destructor; collectors hold no resources.
func (m *gatewayMetrics) Destruct() error { return nil }

// acquireMetrics returns the process's kakaogate collectors, registered in reg (Caddy's
// registry of the configuration being provisioned). Release them with
// metricsPool.Delete(metricsKey).
func acquireMetrics(reg *prometheus.Registry) (*gatewayMetrics, error) {
	v, _, err := metricsPool.LoadOrNew(metricsKey, func() (caddy.Destructor, error) {
		return newGatewayMetrics(), nil
	})
	if err != nil {
		return nil, err
	}
	m := v.(*gatewayMetrics)
	if reg != nil {
		if err := m.register(reg); err != nil {
			_, _ = metricsPool.Delete(metricsKey)
			return nil, err
		}
	}
	return m, nil
}

// LoginStarted implements gateway.Metrics.
func (m *gatewayMetrics) LoginStarted(provider string) {
	m.loginsStarted.WithLabelValues(provider).Inc()
}

// LoginSucceeded implements gateway.Metrics.
func (m *gatewayMetrics) LoginSucceeded(provider string) {
	m.loginsSucceeded.WithLabelValues(provider).Inc()
}

// LoginFailed implements gateway.Metrics.
func (m *gatewayMetrics) LoginFailed(provider, reason string) {
	m.loginsFailed.WithLabelValues(provider, reason).Inc()
}

// CookieRejected implements gateway.Metrics.
func (m *gatewayMetrics) CookieRejected(kind string) { m.cookiesRejected.WithLabelValues(kind).Inc() }

// Refresh implements gateway.Metrics.
func (m *gatewayMetrics) Refresh(outcome string) { m.refreshes.WithLabelValues(outcome).Inc() }

// Revocation implements gateway.Metrics.
func (m *gatewayMetrics) Revocation(source string) { m.revocations.WithLabelValues(source).Inc() }

// observeStore records one session store operation (a session.Observer).
func (m *gatewayMetrics) observeStore(op string, took time.Duration, err error) {
	m.storeDuration.WithLabelValues(op).Observe(took.Seconds())
	if err != nil {
		m.storeErrors.WithLabelValues(op).Inc()
	}
}

// jwksFetched returns the oidc.KeySetOptions.OnFetch of issuer's provider.
func (m *gatewayMetrics) jwksFetched(issuer string) func(error) {
	ok := m.jwksRefreshes.WithLabelValues(issuer, outcomeOK)
	failed := m.jwksRefreshes.WithLabelValues(issuer, outcomeError)
	return func(err error) {
		if err != nil {
			failed.Inc()
			return
		}
		ok.Inc()
	}
}

// Interface guard
var _ gateway.Metrics = (*gatewayMetrics)(nil)

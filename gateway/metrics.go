package gateway

// Metrics receives the gateway's countable events. The Caddy module implements it with
// Prometheus counters in Caddy's metrics registry; the gateway itself knows nothing of
// Prometheus. Every method must be fast and safe for concurrent use. Label values passed
// are drawn from small fixed sets (provider names come from the configuration), so they are
// safe as metric labels.
type Metrics interface {
	// LoginStarted counts a browser sent to provider's authorization endpoint.
	LoginStarted(provider string)
	// LoginSucceeded counts a callback that ended with a new session.
	LoginSucceeded(provider string)
	// LoginFailed counts a login that ended without a session, by reason: the code of the
	// error shown (e.g. invalid_state, access_denied, invalid_id_token,
	// provider_unavailable, session_store_unavailable) or auto_login_failed for a silent
	// KakaoTalk login that could not complete.
	LoginFailed(provider, reason string)
	// Refresh counts a token refresh attempt by outcome: RefreshRefreshed, RefreshFailed
	// (provider trouble; the session goes on), RefreshEnded (the provider ended the
	// session) or RefreshError (the session store failed).
	Refresh(outcome string)
	// Revocation counts sessions ended on purpose, by source: RevokeLogout, RevokeUnlink,
	// RevokeWebhook or RevokeAdmin.
	Revocation(source string)
	// CookieRejected counts a cookie of the gateway that failed to open (tampered, expired,
	// sealed with a retired secret), by kind: "session" or "login". Its log lines are
	// sampled; this counts every one.
	CookieRejected(kind string)
}

// Refresh outcomes passed to Metrics.Refresh.
const (
	RefreshRefreshed = "refreshed"
	RefreshFailed    = "failed"
	RefreshEnded     = "ended"
	RefreshError     = "error"
)

// Revocation sources passed to Metrics.Revocation.
const (
	RevokeLogout  = "logout"
	RevokeUnlink  = sourceUnlink
	RevokeWebhook = sourceWebhook
	RevokeAdmin   = sourceAdmin
)

// reasonAutoLogin is the LoginFailed reason of a silent login that did not complete.
const reasonAutoLogin = "auto_login_failed"

// noMetrics is the Metrics of a Gateway built without one.
type noMetrics struct{}

func (noMetrics) LoginStarted(string)        {}
func (noMetrics) LoginSucceeded(string)      {}
func (noMetrics) LoginFailed(string, string) {}
func (noMetrics) Refresh(string)             {}
func (noMetrics) Revocation(string)          {}
func (noMetrics) CookieRejected(string)      {}

package config

import (
	"errors"
	"fmt"
	"time"
)

// Defaults of the edge options.
const (
	// DefaultIDTokenMaxAge is how old (by iat, beyond the clock skew) an ID token fresh from
	// the token endpoint may be.
	DefaultIDTokenMaxAge = 10 * time.Minute
	// DefaultFailedExchangesGlobal is how many failed code exchanges all clients together may
	// cause per window before the callback answers 429.
	DefaultFailedExchangesGlobal = 120
	// DefaultFailedExchangesPerClient is how many failed code exchanges one client address
	// may cause per window.
	DefaultFailedExchangesPerClient = 10
	// DefaultFailedExchangeWindow is the window of both budgets.
	DefaultFailedExchangeWindow = time.Minute
)

// EdgeOptions harden what a hostile client or a stranger can reach: token freshness and the
// budget of failed code exchanges (each costs a token request with the app's secret).
type EdgeOptions struct {
	// IDTokenMaxAge refuses an ID token from the token endpoint (at login and at refresh)
	// whose iat is older than this beyond the clock skew. Tokens a client presents are not
	// subject to it. Default: 10m.
	IDTokenMaxAge Duration `json:"id_token_max_age,omitempty"`

	// FailedExchanges bounds the failed code exchanges. Default: 120 per minute from all
	// clients, 10 per minute from one client address.
	FailedExchanges *ExchangeLimit `json:"failed_exchange_limit,omitempty"`
}

// ExchangeLimit is the budget of failed code exchanges, kept by each gateway instance: once
// a client (Caddy's client_ip; an IPv6 client by its /64), or all clients together, caused
// this many in the window, further callbacks are answered 429 without calling the provider
// until the window ends. Exchanges in flight count until they end, so callbacks sent at once
// cannot pass a budget; successful exchanges never count.
type ExchangeLimit struct {
	// Off turns the limit off.
	Off bool `json:"off,omitempty"`
	// Global is the budget of all clients together.
	Global int `json:"global,omitempty"`
	// PerClient is the budget of one client address.
	PerClient int `json:"per_client,omitempty"`
	// Window is how long a failure counts.
	Window Duration `json:"window,omitempty"`
}

func (e *EdgeOptions) setDefaults() {
	if e.IDTokenMaxAge == 0 {
		e.IDTokenMaxAge = Duration(DefaultIDTokenMaxAge)
	}
	if e.FailedExchanges == nil {
		e.FailedExchanges = &ExchangeLimit{}
	}
	l := e.FailedExchanges
	if l.Off {
		return
	}
	if l.Global == 0 {
		l.Global = DefaultFailedExchangesGlobal
	}
	if l.PerClient == 0 {
		l.PerClient = DefaultFailedExchangesPerClient
	}
	if l.Window == 0 {
		l.Window = Duration(DefaultFailedExchangeWindow)
	}
}

func (e *EdgeOptions) inherit(d EdgeOptions) {
	if e.IDTokenMaxAge == 0 {
		e.IDTokenMaxAge = d.IDTokenMaxAge
	}
	if e.FailedExchanges == nil && d.FailedExchanges != nil {
		l := *d.FailedExchanges
		e.FailedExchanges = &l
	}
}

func (e *EdgeOptions) validate() []error {
	var errs []error
	if d := time.Duration(e.IDTokenMaxAge); d < time.Minute || d > 24*time.Hour {
		errs = append(errs, fmt.Errorf("id_token_max_age %s: use between 1m and 24h (default 10m)", d))
	}
	if l := e.FailedExchanges; l != nil && !l.Off {
		if l.Global < 1 || l.PerClient < 1 || l.PerClient > l.Global {
			errs = append(errs, errors.New("failed_exchange_limit needs a global budget of at least 1 and a per-client budget between 1 and the global one, e.g. failed_exchange_limit 120 10 1m"))
		}
		if d := time.Duration(l.Window); d < time.Second || d > 24*time.Hour {
			errs = append(errs, fmt.Errorf("failed_exchange_limit window %s: use between 1s and 24h (default 1m)", d))
		}
	}
	return errs
}

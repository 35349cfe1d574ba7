package config

import (
	"fmt"
	"time"
)

// Session cookie kinds accepted by the session_cookie option.
const (
	// SessionCookiePersistent keeps the session cookie across browser restarts for the
	// session's lifetime (Max-Age).
	SessionCookiePersistent = "persistent"
	// SessionCookieBrowser sends the session cookie without Max-Age or Expires, so the browser
	// drops it when it closes (shared computers).
	SessionCookieBrowser = "browser"
)

// Limits of the session options.
const (
	// MinIdleTimeout is the shortest idle_timeout. Uses are recorded at most once per
	// min(1m, idle_timeout/4), well inside even this one.
	MinIdleTimeout = 10 * time.Second
	// DefaultMaxSessionsPerUser is max_sessions_per_user when unset: more than a person uses.
	DefaultMaxSessionsPerUser = 100
	// MaxMaxSessionsPerUser is the highest max_sessions_per_user.
	MaxMaxSessionsPerUser = 10000
)

// SessionOptions shape how sessions end and how the browser keeps them.
type SessionOptions struct {
	// IdleTimeout ends a session nobody has used for this long, on every instance. A use is
	// recorded in the session store at most once per min(1m, idle_timeout/4) per session and
	// instance, so a session ends between idle_timeout minus that interval and idle_timeout
	// after its last use. At least 10s and shorter than session_lifetime. Default: off.
	IdleTimeout Duration `json:"idle_timeout,omitempty"`

	// SessionCookie is "persistent" (the session cookie carries Max-Age: the session's
	// lifetime, so it survives a browser restart) or "browser" (no Max-Age or Expires: the
	// browser drops it when it closes, for shared computers). The session's lifetime and idle
	// timeout apply on the server either way. Default: persistent.
	SessionCookie string `json:"session_cookie,omitempty"`

	// MaxSessionsPerUser bounds the sessions one user holds at once; a login beyond it ends
	// the user's oldest session. Between 1 and 10000. Default: 100.
	MaxSessionsPerUser int `json:"max_sessions_per_user,omitempty"`
}

func (o *SessionOptions) setDefaults() {
	if o.SessionCookie == "" {
		o.SessionCookie = SessionCookiePersistent
	}
	if o.MaxSessionsPerUser == 0 {
		o.MaxSessionsPerUser = DefaultMaxSessionsPerUser
	}
}

func (o *SessionOptions) inherit(d SessionOptions) {
	if o.IdleTimeout == 0 {
		o.IdleTimeout = d.IdleTimeout
	}
	setString(&o.SessionCookie, d.SessionCookie)
	if o.MaxSessionsPerUser == 0 {
		o.MaxSessionsPerUser = d.MaxSessionsPerUser
	}
}

// validate checks the session options against the session's lifetime.
func (o *SessionOptions) validate(lifetime time.Duration) []error {
	var errs []error
	if d := time.Duration(o.IdleTimeout); d != 0 && (d < MinIdleTimeout || d >= lifetime) {
		errs = append(errs, fmt.Errorf("idle_timeout %s: use at least %s (uses are recorded at most once per min(1m, idle_timeout/4)) and less than session_lifetime %s, e.g. idle_timeout 30m", d, MinIdleTimeout, lifetime))
	}
	switch o.SessionCookie {
	case SessionCookiePersistent, SessionCookieBrowser:
	default:
		errs = append(errs, fmt.Errorf("session_cookie %q is not supported: use persistent or browser", o.SessionCookie))
	}
	if n := o.MaxSessionsPerUser; n < 1 || n > MaxMaxSessionsPerUser {
		errs = append(errs, fmt.Errorf("max_sessions_per_user %d: use between 1 and %d (default %d)", n, MaxMaxSessionsPerUser, DefaultMaxSessionsPerUser))
	}
	return errs
}

package gateway

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"time"

	"go.uber.org/zap"
)

// readyTimeout bounds each readiness check; a probe must answer quickly even when a
// dependency hangs.
const readyTimeout = 2 * time.Second

// Readiness check results, as shown in <prefix>/readyz.
const (
	checkOK          = "ok"
	checkUnreachable = "unreachable"
	checkUnavailable = "unavailable"
)

// serveHealthz handles <prefix>/healthz: the process is up and serving. It checks nothing
// else, so a liveness probe never restarts a gateway for an outage of Redis or the provider.
func (g *Gateway) serveHealthz(w http.ResponseWriter, r *http.Request) {
	if !g.allowMethods(w, r, http.MethodGet, http.MethodHead) {
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readiness is the body of <prefix>/readyz.
type readiness struct {
	Status   string            `json:"status"`
	Checks   map[string]string `json:"checks"`
	NotReady []string          `json:"not_ready,omitempty"`
}

// serveReadyz handles <prefix>/readyz: 200 when the session store answers a ping and every
// provider's discovery document is loaded (discovery is attempted now if it has not been),
// else 503 with a JSON body naming what is not ready. Error details are logged, not shown.
func (g *Gateway) serveReadyz(w http.ResponseWriter, r *http.Request) {
	if !g.allowMethods(w, r, http.MethodGet, http.MethodHead) {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
	defer cancel()
	checks := map[string]func(context.Context) (string, error){
		"session_store": func(ctx context.Context) (string, error) {
			if err := g.sessions.Ping(ctx); err != nil {
				return checkUnreachable, err
			}
			return checkOK, nil
		},
	}
	if g.revoker != nil && g.revoker.Durable() {
		checks["revocation_journal"] = func(context.Context) (string, error) {
			if err := g.revoker.Ready(); err != nil {
				return checkUnavailable, err
			}
			return checkOK, nil
		}
	}
	for name, check := range g.discoveryChecks() {
		checks[name] = check
	}
	body := readiness{Status: "ready", Checks: make(map[string]string, len(checks))}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for name, check := range checks {
		wg.Go(func() {
			result, err := check(ctx)
			mu.Lock()
			defer mu.Unlock()
			body.Checks[name] = result
			if err != nil {
				body.NotReady = append(body.NotReady, name)
				g.logger.Info("not ready", zap.String("check", name), zap.Error(err))
			}
		})
	}
	wg.Wait()
	if len(body.NotReady) > 0 {
		slices.Sort(body.NotReady)
		body.Status = "not_ready"
		writeJSON(w, http.StatusServiceUnavailable, body)
		return
	}
	writeJSON(w, http.StatusOK, body)
}

// discoveryChecks returns one readiness check per provider: its discovery document is
// loaded, or can be loaded now. The main provider's check is "discovery", an additional
// provider's "discovery.<name>".
func (g *Gateway) discoveryChecks() map[string]func(context.Context) (string, error) {
	checks := make(map[string]func(context.Context) (string, error), len(g.idps))
	for _, p := range g.idps {
		name := "discovery"
		if p.extra {
			name += "." + p.name
		}
		checks[name] = func(ctx context.Context) (string, error) {
			if _, err := p.rp.Provider.Metadata(ctx); err != nil {
				return checkUnavailable, err
			}
			return checkOK, nil
		}
	}
	return checks
}

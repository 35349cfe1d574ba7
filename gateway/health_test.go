package gateway

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/kakaotest"
)

// readyzBody is what <prefix>/readyz answers.
type readyzBody struct {
	Status   string            `json:"status"`
	Checks   map[string]string `json:"checks"`
	NotReady []string          `json:"not_ready"`
}

func (h *harness) readyz(t *testing.T) (int, readyzBody) {
	t.Helper()
	res := h.get(http.DefaultClient, "/.auth/readyz")
	var body readyzBody
	if err := json.Unmarshal([]byte(res.body), &body); err != nil {
		t.Fatalf("readyz body %q: %v", res.body, err)
	}
	if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("readyz Cache-Control = %q, want no-store", cc)
	}
	return res.StatusCode, body
}

func (h *harness) healthz(t *testing.T) int {
	t.Helper()
	return h.get(http.DefaultClient, "/.auth/healthz").StatusCode
}

// TestReadyzNamesWhatIsNotReady: readyz is 200 when Redis answers and discovery loads; with
// Redis stopped it is 503 naming session_store; healthz stays 200 throughout.
func TestReadyzNamesWhatIsNotReady(t *testing.T) {
	store, srv, _ := newRedisStore(t)
	h := newHarness(t, harnessOptions{store: store})

	status, body := h.readyz(t)
	if status != http.StatusOK || body.Status != "ready" || body.Checks["session_store"] != "ok" || body.Checks["discovery"] != "ok" {
		t.Fatalf("readyz with everything up: %d %+v", status, body)
	}
	if h.kakao.Calls("/.well-known/openid-configuration") != 1 {
		t.Fatal("readyz did not load discovery")
	}

	srv.Stop()
	status, body = h.readyz(t)
	if status != http.StatusServiceUnavailable || body.Status != "not_ready" ||
		!slices.Equal(body.NotReady, []string{"session_store"}) || body.Checks["session_store"] != "unreachable" || body.Checks["discovery"] != "ok" {
		t.Fatalf("readyz with Redis stopped: %d %+v", status, body)
	}
	if got := h.healthz(t); got != http.StatusOK {
		t.Fatalf("healthz with Redis stopped: %d, want 200", got)
	}

	srv.Start()
	waitUntil(t, 5*time.Second, "readyz after Redis came back", func() bool {
		status, _ := h.readyz(t)
		return status == http.StatusOK
	})
}

// TestReadyzWaitsForDiscovery: with the IdP down readyz is 503 naming discovery (and no
// request hangs); once the IdP answers, the next probe loads discovery and is 200.
func TestReadyzWaitsForDiscovery(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.kakao.SetFault("/.well-known/openid-configuration", kakaotest.Fault{Status: http.StatusServiceUnavailable})

	start := time.Now()
	status, body := h.readyz(t)
	if status != http.StatusServiceUnavailable || !slices.Equal(body.NotReady, []string{"discovery"}) ||
		body.Checks["discovery"] != "unavailable" || body.Checks["session_store"] != "ok" {
		t.Fatalf("readyz with the IdP down: %d %+v", status, body)
	}
	if took := time.Since(start); took > readyTimeout+time.Second {
		t.Fatalf("readyz took %s with the IdP down", took)
	}
	if got := h.healthz(t); got != http.StatusOK {
		t.Fatalf("healthz with the IdP down: %d, want 200", got)
	}

	h.kakao.ClearFaults()
	waitUntil(t, 5*time.Second, "readyz after the IdP came back", func() bool {
		status, _ := h.readyz(t)
		return status == http.StatusOK
	})
}

// TestHealthEndpointsAllowOnlyReads: POST is refused with 405 on both.
func TestHealthEndpointsAllowOnlyReads(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	for _, path := range []string{"/.auth/healthz", "/.auth/readyz"} {
		if res := h.do(http.DefaultClient, http.MethodPost, path, nil); res.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("POST %s: %d, want 405", path, res.StatusCode)
		}
	}
}

package kakao

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// answer is what the fake API server replies.
type answer struct {
	status int
	header map[string]string
	body   string
}

// seenRequest is what the fake API server received.
type seenRequest struct {
	method, path, rawQuery, body string
	header                       http.Header
}

// fakeKapi is a loopback stand-in for kapi.kakao.com answering every
// request with one fixed answer and recording what it received.
type fakeKapi struct {
	srv  *httptest.Server
	mu   sync.Mutex
	seen []seenRequest
}

// newFakeKapi starts a fake API server; it is closed with the test.
func newFakeKapi(t *testing.T, a answer) *fakeKapi {
	t.Helper()
	f := &fakeKapi{}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.seen = append(f.seen, seenRequest{method: r.Method, path: r.URL.Path, rawQuery: r.URL.RawQuery, body: string(body), header: r.Header.Clone()})
		f.mu.Unlock()
		for k, v := range a.header {
			w.Header().Set(k, v)
		}
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		}
		status := a.status
		if status == 0 {
			status = http.StatusOK
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, a.body)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// api returns an API pointed at the fake server with a short timeout.
func (f *fakeKapi) api() *API {
	return &API{BaseURL: f.srv.URL, HTTPClient: f.srv.Client(), Timeout: 2 * time.Second}
}

// requests returns a copy of what the server received.
func (f *fakeKapi) requests() []seenRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]seenRequest(nil), f.seen...)
}

// only returns the single request the server received, failing otherwise.
func (f *fakeKapi) only(t *testing.T) seenRequest {
	t.Helper()
	reqs := f.requests()
	if len(reqs) != 1 {
		t.Fatalf("server saw %d requests, want 1", len(reqs))
	}
	return reqs[0]
}

// fixture reads testdata/kapi/<name>.
func fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "kapi", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

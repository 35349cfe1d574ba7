// Package testupstream is the app behind the gateway in tests: it records every request
// that reached it, with its body, so a test can say exactly what the app was told.
package testupstream

import (
	"context"
	"io"
	"net/http"
	"sync"
	"testing"
)

// maxBody bounds the body kept of each request.
const maxBody = 1 << 20

// Recorder remembers the requests that reached the upstream, in order. Its zero value is
// ready; it is safe for concurrent use.
type Recorder struct {
	mu       sync.Mutex
	requests []*http.Request
	bodies   [][]byte
}

// Record keeps a copy of r and its body (up to 1 MiB), detached from r's context.
func (rec *Recorder) Record(r *http.Request) {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(io.LimitReader(r.Body, maxBody))
	}
	c := r.Clone(context.Background())
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.requests = append(rec.requests, c)
	rec.bodies = append(rec.bodies, body)
}

// Count is how many requests reached the upstream.
func (rec *Recorder) Count() int {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return len(rec.requests)
}

// Last is the most recent request that reached the upstream; the test fails without one.
func (rec *Recorder) Last(t testing.TB) *http.Request {
	t.Helper()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.requests) == 0 {
		t.Fatal("no request reached the upstream")
	}
	return rec.requests[len(rec.requests)-1]
}

// Each calls fn with every recorded request and its body, oldest first, until fn returns
// false.
func (rec *Recorder) Each(fn func(r *http.Request, body []byte) bool) {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	for i, r := range rec.requests {
		if !fn(r, rec.bodies[i]) {
			return
		}
	}
}

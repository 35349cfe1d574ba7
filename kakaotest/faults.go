package kakaotest

import (
	"net/http"
	"strings"
	"time"
)

// Fault makes an endpoint misbehave: wait, then (when Status is set) answer
// with an error instead of the real response.
type Fault struct {
	// Status is the HTTP status to answer with; 0 only delays the real
	// response.
	Status int
	// Delay is waited before answering (cut short if the client goes away).
	Delay time.Duration
	// Body is the response body; empty means a Kakao-shaped error: kauth's
	// {"error":"server_error",...,"error_code":"KOE003"} for /oauth/ and
	// /.well-known/ paths, kapi's {"msg":...,"code":-1} for the others.
	Body string
	// Times is how many requests the fault applies to; 0 means until
	// [Emulator.ClearFaults].
	Times int
}

// SetFault injects f into every request to path (an emulator path such as
// "/oauth/token" or "/.well-known/jwks.json"), replacing any fault already
// set there.
func (e *Emulator) SetFault(path string, f Fault) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.faults[path] = &f
}

// ClearFaults removes every injected fault.
func (e *Emulator) ClearFaults() {
	e.mu.Lock()
	defer e.mu.Unlock()
	clear(e.faults)
}

// Calls returns how many requests reached path (an emulator path such as
// "/oauth/token"), faulted ones included.
func (e *Emulator) Calls(path string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.calls[path]
}

// ResetCalls sets every counter of [Emulator.Calls] back to zero.
func (e *Emulator) ResetCalls() {
	e.mu.Lock()
	defer e.mu.Unlock()
	clear(e.calls)
}

// count records one request to path.
func (e *Emulator) count(path string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.calls[path]; ok || len(e.calls) < maxTokens {
		e.calls[path]++
	}
}

// applyFault applies the fault set for path, if any, and reports whether
// the response was written (the request must not be served then).
func (e *Emulator) applyFault(w http.ResponseWriter, r *http.Request, path string) bool {
	e.mu.Lock()
	f, ok := e.faults[path]
	var fault Fault
	if ok {
		fault = *f
		if f.Times > 0 {
			f.Times--
			if f.Times == 0 {
				delete(e.faults, path)
			}
		}
	}
	e.mu.Unlock()
	if !ok {
		return false
	}
	if fault.Delay > 0 {
		t := time.NewTimer(fault.Delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return true
		}
	}
	if fault.Status == 0 {
		return false
	}
	body := fault.Body
	if body == "" {
		if strings.HasPrefix(path, "/oauth/") || strings.HasPrefix(path, "/.well-known/") {
			body = `{"error":"server_error","error_description":"fault injected by kakaotest","error_code":"KOE003"}`
		} else {
			body = `{"msg":"fault injected by kakaotest","code":-1}`
		}
	}
	w.Header().Set("Content-Type", contentTypeJSON)
	w.WriteHeader(fault.Status)
	_, _ = w.Write([]byte(body))
	return true
}

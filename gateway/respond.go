package gateway

import (
	"encoding/json"
	"net/http"
	"strings"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

// setNoStore marks a response as private and uncacheable and keeps its URL (which may carry a
// code or state) out of Referer headers. Every gateway response carries it.
func setNoStore(h http.Header) {
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
}

// redirect sends a 302 to target without a body that could be cached or leak the URL.
func redirect(w http.ResponseWriter, target string) {
	setNoStore(w.Header())
	w.Header().Set("Location", target)
	w.WriteHeader(http.StatusFound)
}

// writeJSON writes v as a JSON response with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	setNoStore(w.Header())
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeJSONError writes the JSON error body every refusal of the gateway shares:
// {"error":"<code>","message":"<English>","request_id":"<id in the log line>"}.
func (g *Gateway) writeJSONError(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	writeJSON(w, status, map[string]string{"error": code, "message": message, "request_id": g.requestID(r)})
}

// problem is one error the gateway answers with, shown to people (HTML) and programs (JSON).
type problem struct {
	Status  int    // HTTP status: 4xx for what the client sent, 502/503 for a dependency
	Code    string // stable machine-readable code, e.g. "invalid_state"
	Title   msgID  // one short sentence for people (its English text is the JSON message)
	Detail  msgID  // what happened and what to do next; never internal detail or secrets
	Retry   string // optional link that starts over (e.g. the login URL)
	RetryAs msgID  // label of the retry link
	Page    string // the page that shows it: "error" (default), "consent" or "denied"
	Scopes  []string
}

// fail answers with p as an HTML page for browsers and as JSON otherwise, and logs err (which
// must never carry a token, cookie or secret) with the request id shown to the person.
func (g *Gateway) fail(w http.ResponseWriter, r *http.Request, p problem, err error) {
	id := g.requestID(r)
	level := zapcore.InfoLevel
	if p.Status >= 500 {
		level = zapcore.ErrorLevel
	}
	if ce := g.logger.Check(level, "request refused"); ce != nil {
		fields := []zap.Field{
			zap.String("request_id", id),
			zap.Int("status", p.Status),
			zap.String("reason", p.Code),
			zap.String("path", r.URL.Path),
		}
		if err != nil {
			fields = append(fields, zap.Error(err), kakaoErrorField(err))
		}
		ce.Write(fields...)
	}
	if !acceptsHTML(r) {
		writeJSON(w, p.Status, map[string]string{"error": p.Code, "message": p.Title.in(localeEN), "request_id": id})
		return
	}
	page := p.Page
	if page == "" {
		page = "error"
	}
	g.renderPage(w, r, p.Status, page, pageData{
		Title: p.Title, Detail: p.Detail, Code: p.Code, RequestID: id, Retry: p.Retry, RetryAs: p.RetryAs,
		Home: g.publicHome(r), Scopes: p.Scopes, // no home link where "/" would only log in again
	})
}

// acceptsHTML reports whether the client is a browser page load (Sec-Fetch-Mode: navigate,
// or an Accept header asking for text/html) that should get HTML rather than JSON.
func acceptsHTML(r *http.Request) bool {
	if r.Header.Get("Sec-Fetch-Mode") == "navigate" {
		return true
	}
	for _, a := range r.Header.Values("Accept") {
		if strings.Contains(strings.ToLower(a), "text/html") {
			return true
		}
	}
	return false
}

package gateway

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"

	"go.uber.org/zap"
)

//go:embed templates/*.html
var templateFS embed.FS

// pageData is what the built-in page templates render.
type pageData struct {
	Title     string
	Detail    string
	RequestID string
	Retry     string
	RetryAs   string
	Home      string
	Action    string // form target of a confirmation page
	CSRF      string // CSRF token of a confirmation page
	Mode      string // logout mode carried by the logout form
	Button    string // label of a confirmation page's submit button
	Kakao     bool   // show Kakao's login button (design guide) rather than a plain one
}

func parsePages() (*template.Template, error) {
	return template.ParseFS(templateFS, "templates/*.html")
}

// renderPage writes one of the gateway's HTML pages. Pages are rendered into a buffer first,
// so a template error never leaves a half-written response.
func (g *Gateway) renderPage(w http.ResponseWriter, status int, name string, data pageData) {
	var buf bytes.Buffer
	if err := g.pages.ExecuteTemplate(&buf, name+".html", data); err != nil {
		g.logger.Error("rendering page", zap.String("page", name), zap.Error(err))
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	setNoStore(h)
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", g.pageCSP)
	h.Set("X-Frame-Options", "DENY")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

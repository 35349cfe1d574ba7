package gateway

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeTemplates writes files into a new directory and returns it.
func writeTemplates(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestTemplateDirectory(t *testing.T) {
	customError := `{{template "head" .}}<p id="custom-error" lang="{{.Lang}}">{{.Title}} ({{.Code}})</p>{{template "foot" .}}`
	tests := []struct {
		name    string
		files   map[string]string
		wantErr string            // empty: loading succeeds
		pages   map[string]string // page → text its rendering must contain
	}{
		{
			name:  "an empty directory keeps every built-in page",
			files: map[string]string{},
			pages: map[string]string{"login": `class="button kakao-login"`, "error": `class="icon icon-error"`},
		},
		{
			name:  "a page file replaces that page only",
			files: map[string]string{"error.html": customError},
			pages: map[string]string{"error": `<p id="custom-error" lang="ko">`, "login": `class="button kakao-login"`},
		},
		{
			name:  "a block in any file replaces the built-in block on every page",
			files: map[string]string{"brand.html": `{{define "brand"}}<p class="brand">Sample shop</p>{{end}}`},
			pages: map[string]string{"error": "Sample shop", "confirm": "Sample shop", "consent": "Sample shop"},
		},
		{
			name: "layout.html replaces the shared frame",
			files: map[string]string{"layout.html": `{{define "head"}}<!doctype html><html lang="{{.Lang}}"><title>{{.Title}}</title><body class="mine">{{end}}` +
				`{{define "foot"}}</body></html>{{end}}`},
			pages: map[string]string{"signedout": `<body class="mine">`, "denied": `<body class="mine">`},
		},
		{
			name:  "files that are not .html are ignored",
			files: map[string]string{"README.txt": "{{ not a template", ".error.html.swp": "{{"},
			pages: map[string]string{"error": `class="icon icon-error"`},
		},
		{name: "a syntax error names the file", files: map[string]string{"confirm.html": "{{if}}"}, wantErr: "confirm.html"},
		{name: "an unknown field fails at load, naming the page", files: map[string]string{"login.html": "{{.Nope}}"}, wantErr: "page login"},
		{name: "a missing block fails at load", files: map[string]string{"denied.html": `{{template "nowhere" .}}`}, wantErr: "page denied"},
		{
			name:    "a broken block fails every page that uses it",
			files:   map[string]string{"blocks.html": `{{define "brand"}}{{.Missing}}{{end}}`},
			wantErr: "page error",
		},
		{
			name:    "a page file of only define blocks is refused",
			files:   map[string]string{"signedout.html": `{{define "brand"}}x{{end}}`},
			wantErr: "signedout.html has no page content",
		},
		{
			name:    "an oversized file is refused",
			files:   map[string]string{"error.html": strings.Repeat("x", maxTemplateBytes+1)},
			wantErr: "larger than",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pages, err := loadPages(writeTemplates(t, tt.files))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("loadPages = %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for page, want := range tt.pages {
				var buf bytes.Buffer
				d := pageData{Title: msgSomethingWrong, Code: "example", Home: "/", Kakao: true, Action: "/.auth/login"}
				if err := executePage(pages, &buf, page, d.view(page, 200, localeKO, "app.example.com")); err != nil {
					t.Fatalf("rendering %s: %v", page, err)
				}
				if !strings.Contains(buf.String(), want) {
					t.Errorf("page %s lacks %q:\n%s", page, want, buf.String())
				}
			}
		})
	}
}

func TestTemplateDirectoryMustExist(t *testing.T) {
	_, err := loadPages(filepath.Join(t.TempDir(), "nope"))
	if err == nil || !strings.Contains(err.Error(), "reading the template directory") {
		t.Fatalf("loadPages of a missing directory = %v", err)
	}
}

func TestBuiltInPagesRenderEveryLanguage(t *testing.T) {
	pages, err := loadPages("")
	if err != nil {
		t.Fatal(err)
	}
	for _, page := range pageNames {
		for _, l := range []locale{localeEN, localeKO} {
			var buf bytes.Buffer
			d := pageData{Title: msgSomethingWrong, Detail: msgRetry, RequestID: "rid", Home: "/"}
			if err := executePage(pages, &buf, page, d.view(page, 500, l, "app.example.com")); err != nil {
				t.Fatalf("%s/%s: %v", page, l, err)
			}
			for _, want := range []string{`<html lang="` + string(l) + `">`, msgSomethingWrong.in(l), msgRequestID.in(l) + ": rid"} {
				if !strings.Contains(buf.String(), want) {
					t.Errorf("%s/%s lacks %q", page, l, want)
				}
			}
		}
	}
}

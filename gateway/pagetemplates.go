package gateway

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/template/parse"
)

//go:embed templates/*.html
var templateFS embed.FS

// pageNames are the gateway's pages; each is rendered from the template <name>.html.
var pageNames = []string{"error", "confirm", "signedout", "login", "consent", "denied", "providers"}

// Bounds on a template directory: it holds a handful of small HTML files.
const (
	maxTemplateFiles = 64
	maxTemplateBytes = 256 << 10
)

// loadPages parses the built-in page templates and then, when dir is set, every *.html file
// of dir: a file named like a built-in (error.html, layout.html, …) replaces it, and a
// {{define}} block replaces the built-in block of the same name (head, foot, style, brand,
// kakao-button, …). Pages the directory leaves out keep their built-in version. Every page
// is then rendered once in each language, so a template that would fail at request time
// fails here, when the configuration is loaded.
func loadPages(dir string) (*template.Template, error) {
	t, err := template.New("pages").ParseFS(templateFS, "templates/*.html")
	if err != nil {
		return nil, fmt.Errorf("built-in pages: %w", err)
	}
	if dir != "" {
		if err := parseTemplateDir(t, dir); err != nil {
			return nil, fmt.Errorf("templates %s: %w", dir, err)
		}
	}
	if err := checkPages(t); err != nil {
		if dir != "" {
			return nil, fmt.Errorf("templates %s: %w", dir, err)
		}
		return nil, fmt.Errorf("built-in pages: %w", err)
	}
	return t, nil
}

// parseTemplateDir adds dir's *.html files to t, in name order.
func parseTemplateDir(t *template.Template, dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("reading the template directory: %w", err)
	}
	n := 0
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || strings.HasPrefix(name, ".") || !strings.HasSuffix(name, ".html") {
			continue
		}
		if n++; n > maxTemplateFiles {
			return fmt.Errorf("more than %d .html files", maxTemplateFiles)
		}
		src, err := readTemplate(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		if page := strings.TrimSuffix(name, ".html"); slices.Contains(pageNames, page) {
			// A page file whose content is all {{define}} blocks would silently leave the
			// built-in page in place.
			scratch, err := template.New(name).Parse(src)
			if err != nil {
				return err
			}
			if scratch.Tree == nil || parse.IsEmptyTree(scratch.Tree.Root) {
				return fmt.Errorf("%s has no page content outside {{define}} blocks: write the page there, or put the blocks in a file with another name", name)
			}
		}
		if _, err := t.New(name).Parse(src); err != nil {
			return err
		}
	}
	return nil
}

// readTemplate reads one template file of bounded size.
func readTemplate(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxTemplateBytes+1))
	if err != nil {
		return "", fmt.Errorf("reading %s: %w", filepath.Base(path), err)
	}
	if len(b) > maxTemplateBytes {
		return "", fmt.Errorf("%s is larger than %d KiB", filepath.Base(path), maxTemplateBytes>>10)
	}
	return string(b), nil
}

// checkPages renders every page in every language, once with every field set and once with
// only the fields every page has, and reports the first failure of each page.
func checkPages(t *template.Template) error {
	var errs []error
	full := pageData{
		Title: msgSomethingWrong, Detail: msgRetry, Button: msgLogOut, RetryAs: msgTryAgain,
		Code: "example_error", RequestID: "0123456789abcdef", Retry: "/.auth/login?rd=%2F",
		Home: "/", Action: "/.auth/logout", CSRF: "token", Mode: "service", Danger: true, Kakao: true,
		Scopes:    []string{"account_email", "example_scope"},
		Providers: []providerButton{{msg: msgKakaoLogin, url: "/.auth/login?provider=kakao", kakao: true}, {label: "Example", url: "/.auth/login?provider=example"}},
	}
	minimal := pageData{Title: msgSomethingWrong, Detail: msgRetry, Home: "/"}
	for _, name := range pageNames {
		if t.Lookup(name+".html") == nil {
			errs = append(errs, fmt.Errorf("page %s.html is not defined", name))
			continue
		}
	pageCheck:
		for _, l := range []locale{localeEN, localeKO} {
			for _, d := range []pageData{full, minimal} {
				var buf bytes.Buffer
				if err := executePage(t, &buf, name, d.view(name, 200, l, "app.example.com")); err != nil {
					errs = append(errs, fmt.Errorf("page %s: %w", name, err))
					break pageCheck
				}
				if len(bytes.TrimSpace(buf.Bytes())) == 0 {
					errs = append(errs, fmt.Errorf("page %s renders nothing", name))
					break pageCheck
				}
			}
		}
	}
	return errors.Join(errs...)
}

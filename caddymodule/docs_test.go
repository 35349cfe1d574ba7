package caddymodule

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// referencePath is the Caddyfile and JSON reference that must document every option.
const referencePath = "../docs/caddyfile.md"

// optionFuncs are the parser functions whose switch cases are the options of the kakaogate
// block itself (the directive's and the global option's); each needs its own table row.
var optionFuncs = map[string]bool{"unmarshalOptions": true, "unmarshalFlowOption": true}

// TestReferenceDocumentsEveryOption fails when the Caddyfile parser accepts a word, or
// Handler has a JSON field, that docs/caddyfile.md does not document. The words are read from
// the parser's source (every case of every switch in the non-test files of this package), so
// a new option cannot be added without its documentation.
func TestReferenceDocumentsEveryOption(t *testing.T) {
	raw, err := os.ReadFile(referencePath)
	if err != nil {
		t.Fatalf("reading the reference: %v", err)
	}
	doc := string(raw)
	caddyfileDoc, jsonDoc, ok := strings.Cut(doc, "\n## JSON")
	if !ok {
		t.Fatalf("%s has no \"## JSON\" section", referencePath)
	}

	options, words := parserWords(t)
	if len(options) < 30 {
		t.Fatalf("found only %d options in the parser: is the source scan broken?", len(options))
	}
	for _, opt := range options {
		if !regexp.MustCompile("(?m)^\\| `" + regexp.QuoteMeta(opt) + "[ `]").MatchString(caddyfileDoc) {
			t.Errorf("option %q has no row (a line starting with | `%s) in %s", opt, opt, referencePath)
		}
	}
	for _, w := range words {
		if !inCodeSpan(caddyfileDoc, w) {
			t.Errorf("Caddyfile word %q is never mentioned (in backticks) in %s", w, referencePath)
		}
	}

	fields := jsonFields(reflect.TypeFor[Handler](), "")
	if len(fields) < 40 {
		t.Fatalf("found only %d JSON fields: is the reflection walk broken?", len(fields))
	}
	for _, f := range fields {
		if !strings.Contains(jsonDoc, "`"+f+"`") {
			t.Errorf("JSON field %q is not documented in the JSON section of %s", f, referencePath)
		}
	}
}

// parserWords returns the options of the kakaogate block and every other word the parser
// matches in a switch case (store kinds, sub-options), each sorted.
func parserWords(t *testing.T) (options, words []string) {
	t.Helper()
	consts := configConstants(t)
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	seenOpt, seenWord := map[string]bool{}, map[string]bool{}
	fset := token.NewFileSet()
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range file.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			top := optionFuncs[fn.Name.Name]
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				cc, ok := n.(*ast.CaseClause)
				if !ok {
					return true
				}
				for _, e := range cc.List {
					w := caseWord(e, consts)
					if w == "" {
						continue
					}
					if top {
						seenOpt[w] = true
					} else {
						seenWord[w] = true
					}
				}
				return true
			})
		}
	}
	for w := range seenOpt {
		options = append(options, w)
	}
	for w := range seenWord {
		if !seenOpt[w] {
			words = append(words, w)
		}
	}
	sort.Strings(options)
	sort.Strings(words)
	return options, words
}

// caseWord is the string a case expression matches: a string literal, or a constant of
// package config; "" for anything else.
func caseWord(e ast.Expr, consts map[string]string) string {
	switch x := e.(type) {
	case *ast.BasicLit:
		if x.Kind == token.STRING {
			if s, err := strconv.Unquote(x.Value); err == nil {
				return s
			}
		}
	case *ast.SelectorExpr:
		if pkg, ok := x.X.(*ast.Ident); ok && pkg.Name == "config" {
			return consts[x.Sel.Name]
		}
	}
	return ""
}

// configConstants maps the string constants of package config to their values.
func configConstants(t *testing.T) map[string]string {
	t.Helper()
	pkgs, err := filepath.Glob("../config/*.go")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	fset := token.NewFileSet()
	for _, f := range pkgs {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range file.Decls {
			gd, ok := decl.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			for _, spec := range gd.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, name := range vs.Names {
					if i < len(vs.Values) {
						if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
							out[name.Name], _ = strconv.Unquote(lit.Value)
						}
					}
				}
			}
		}
	}
	return out
}

// jsonFields lists the JSON names of t's fields, embedded structs flattened and nested
// structs (and slices or pointers of them) walked, as "name" at the top and "parent.name"
// below.
func jsonFields(t reflect.Type, parent string) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		ft := f.Type
		for ft.Kind() == reflect.Pointer || ft.Kind() == reflect.Slice {
			ft = ft.Elem()
		}
		if f.Anonymous && name == "" {
			out = append(out, jsonFields(ft, parent)...)
			continue
		}
		if name == "" {
			continue
		}
		full := name
		if parent != "" {
			full = parent + "." + name
		}
		out = append(out, full)
		if ft.Kind() == reflect.Struct && ft.PkgPath() != "" && !strings.HasPrefix(ft.PkgPath(), "github.com/caddyserver") &&
			ft.Name() != "Duration" {
			out = append(out, jsonFields(ft, full)...)
		}
	}
	return out
}

// inCodeSpan reports whether word appears as a whole word inside some `code span` of doc.
func inCodeSpan(doc, word string) bool {
	re := regexp.MustCompile("`[^`\\n]*\\b" + regexp.QuoteMeta(word) + "\\b[^`\\n]*`")
	return re.MatchString(doc)
}

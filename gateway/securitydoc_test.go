package gateway

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// rpCaseIDs returns the case ids of sections A to G of the rp-security table document, in
// order. A row's first cell names one or more ids: "id → new-name" keeps id; "a, b" is two
// ids; "x-no-state / -other-state" is x-no-state and x-other-state (the alternative replaces
// as many trailing dash-separated parts); "…-lt-alg-none" continues the last full id; a
// parenthesised remark is dropped.
func rpCaseIDs(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var ids []string
	in, base := false, ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "## A."):
			in = true
		case strings.HasPrefix(line, "## Notes"):
			in = false
		}
		if !in || !strings.HasPrefix(line, "| ") || strings.HasPrefix(line, "| id") || strings.HasPrefix(line, "|---") {
			continue
		}
		cell := strings.TrimSpace(strings.Split(line, "|")[1])
		cell, _, _ = strings.Cut(cell, " → ")
		cell, _, _ = strings.Cut(cell, " (")
		for _, part := range strings.Split(cell, ",") {
			alts := strings.Split(strings.TrimSpace(part), " / ")
			first := alts[0]
			if rest, ok := strings.CutPrefix(first, "…"); ok {
				first = base + rest
			} else {
				base = first
			}
			ids = append(ids, first)
			for _, alt := range alts[1:] {
				segs := strings.Split(first, "-")
				ids = append(ids, strings.Join(segs[:len(segs)-strings.Count(alt, "-")], "-")+alt)
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return ids
}

// caseTestName is the name of the test of case id: TestCase_ and the id with - as _.
func caseTestName(id string) string { return "TestCase_" + strings.ReplaceAll(id, "-", "_") }

var (
	docRow   = regexp.MustCompile("^\\| `([^`]+)` \\|(.*)\\|\\s*$")
	testName = regexp.MustCompile("`(Test[A-Za-z0-9_]+)`")
	testFunc = regexp.MustCompile(`(?m)^func (Test[A-Za-z0-9_]+)\(`)
)

// TestSecurityDocCoversEveryCase checks docs/security.md against docs/rp-security.md: every
// case id has a row in the coverage table naming its TestCase_ test, every test a row names
// exists in the module, and every TestCase_ test belongs to a case id.
func TestSecurityDocCoversEveryCase(t *testing.T) {
	ids := rpCaseIDs(t, filepath.Join("..", "docs", "rp-security.md"))
	if len(ids) < 70 || !slices.Contains(ids, "rp-init-logout-other-state") || !slices.Contains(ids, "rp-id_token-bad-sig-es256") ||
		!slices.Contains(ids, "rp-backchannel-rpinitlogout-lt-wrong-issuer") || !slices.Contains(ids, "rp-discovery-jwks_uri-keys") {
		t.Fatalf("parsed %d case ids, fewer or other than the document has: %v", len(ids), ids)
	}

	tests := map[string]bool{}
	err := filepath.WalkDir("..", func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return err
		}
		b, err := os.ReadFile(path)
		for _, m := range testFunc.FindAllStringSubmatch(string(b), -1) {
			tests[m[1]] = true
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	doc, err := os.ReadFile(filepath.Join("..", "docs", "security.md"))
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string][]string{}
	for _, line := range strings.Split(string(doc), "\n") {
		if m := docRow.FindStringSubmatch(line); m != nil {
			for _, n := range testName.FindAllStringSubmatch(m[2], -1) {
				rows[m[1]] = append(rows[m[1]], n[1])
			}
		}
	}
	for _, id := range ids {
		names, ok := rows[id]
		switch {
		case !ok:
			t.Errorf("docs/security.md has no row for case %s", id)
		case !slices.Contains(names, caseTestName(id)):
			t.Errorf("the row of case %s does not name %s", id, caseTestName(id))
		}
		if !tests[caseTestName(id)] {
			t.Errorf("case %s has no test %s", id, caseTestName(id))
		}
		for _, n := range names {
			if !tests[n] {
				t.Errorf("the row of case %s names %s, which does not exist", id, n)
			}
		}
	}
	for name := range tests {
		if strings.HasPrefix(name, "TestCase_") && !slices.ContainsFunc(ids, func(id string) bool { return caseTestName(id) == name }) {
			t.Errorf("%s is named like a case test but no case id of docs/rp-security.md matches it", name)
		}
	}
	for id := range rows {
		if !slices.Contains(ids, id) {
			t.Errorf("docs/security.md has a row for %s, which is not a case id", id)
		}
	}
}

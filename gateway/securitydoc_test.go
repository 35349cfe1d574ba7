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

// caseTestName is the case part of the name of case id's test: TestCase_ and the id with - as
// _. The test's full name adds _ and CamelCase words saying what it checks.
func caseTestName(id string) string { return "TestCase_" + strings.ReplaceAll(id, "-", "_") }

// splitCaseTestName splits the name of a case test (ok: it starts with TestCase_) into its case
// part and the words after it, at the first _ followed by an upper-case letter; case ids are
// lower case, so that _ ends the id. words is empty when no such _ follows.
func splitCaseTestName(name string) (casePart, words string, ok bool) {
	rest, ok := strings.CutPrefix(name, "TestCase_")
	if !ok {
		return "", "", false
	}
	for i := 0; i+1 < len(rest); i++ {
		if rest[i] == '_' && 'A' <= rest[i+1] && rest[i+1] <= 'Z' {
			return name[:len(name)-len(rest)+i], rest[i+1:], true
		}
	}
	return name, "", true
}

var (
	docRow   = regexp.MustCompile("^\\| `([^`]+)` \\|(.*)\\|\\s*$")
	testName = regexp.MustCompile("`(Test[A-Za-z0-9_]+)`")
	testFunc = regexp.MustCompile(`(?m)^func (Test[A-Za-z0-9_]+)\(`)
	// caseWords are the words after a case test's id: CamelCase, no further _.
	caseWords = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*$`)
)

// TestSecurityDocCoversEveryCase checks docs/security.md against docs/rp-security.md: every
// case id has a row in the coverage table naming its test TestCase_<id>_<WhatItChecks>, every
// test a row names exists in the module, and every TestCase_ test belongs to a case id and
// has words after the id saying what it checks.
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
	caseTests := map[string][]string{} // case part → the tests named after it
	for name := range tests {
		casePart, words, ok := splitCaseTestName(name)
		switch {
		case !ok:
			continue
		case words == "":
			t.Errorf("%s has no words after its case id saying what it checks: name it TestCase_<id>_<WhatItChecks>", name)
		case !caseWords.MatchString(words):
			t.Errorf("%s: the words after the case id, %q, are not CamelCase", name, words)
		}
		if !slices.ContainsFunc(ids, func(id string) bool { return caseTestName(id) == casePart }) {
			t.Errorf("%s is named like a case test but no case id of docs/rp-security.md matches it", name)
		}
		caseTests[casePart] = append(caseTests[casePart], name)
	}
	for _, id := range ids {
		if id != strings.ToLower(id) {
			t.Errorf("case id %s has upper-case letters: its test's name could not be split", id)
		}
		names, ok := rows[id]
		isCaseTest := func(n string) bool {
			casePart, words, _ := splitCaseTestName(n)
			return casePart == caseTestName(id) && words != ""
		}
		switch {
		case !ok:
			t.Errorf("docs/security.md has no row for case %s", id)
		case !slices.ContainsFunc(names, isCaseTest):
			t.Errorf("the row of case %s does not name its test %s_<WhatItChecks>", id, caseTestName(id))
		}
		if !slices.ContainsFunc(caseTests[caseTestName(id)], isCaseTest) {
			t.Errorf("case %s has no test %s_<WhatItChecks>", id, caseTestName(id))
		}
		for _, n := range names {
			if !tests[n] {
				t.Errorf("the row of case %s names %s, which does not exist", id, n)
			}
		}
	}
	for id := range rows {
		if !slices.Contains(ids, id) {
			t.Errorf("docs/security.md has a row for %s, which is not a case id", id)
		}
	}
}

func TestSplitCaseTestName(t *testing.T) {
	for _, tc := range []struct {
		name, casePart, words string
		ok                    bool
	}{
		{"TestCase_rp_id_token_aud_RefusesForeignOrMissingAudience", "TestCase_rp_id_token_aud", "RefusesForeignOrMissingAudience", true},
		{"TestCase_rp_init_logout_no_state_MissingStateRedirectsNowhere", "TestCase_rp_init_logout_no_state", "MissingStateRedirectsNowhere", true},
		{"TestCase_gw_jwt_09b_RefusesMalformedCompactJWS", "TestCase_gw_jwt_09b", "RefusesMalformedCompactJWS", true},
		{"TestCase_gw_ses_01_Refuses_Tampered", "TestCase_gw_ses_01", "Refuses_Tampered", true},
		{"TestCase_gw_jwt_13", "TestCase_gw_jwt_13", "", true},
		{"TestCase_gw_jwt_13_", "TestCase_gw_jwt_13_", "", true},
		{"TestCase_Refuses", "TestCase_Refuses", "", true},
		// An upper-case id would be cut short: why case ids must be lower case.
		{"TestCase_rp_id_token_sig_RS256_AcceptsRS256", "TestCase_rp_id_token_sig", "RS256_AcceptsRS256", true},
		{"TestCaseRefuses", "", "", false},
		{"TestSecurityDocCoversEveryCase", "", "", false},
	} {
		casePart, words, ok := splitCaseTestName(tc.name)
		if casePart != tc.casePart || words != tc.words || ok != tc.ok {
			t.Errorf("splitCaseTestName(%q) = %q, %q, %v; want %q, %q, %v", tc.name, casePart, words, ok, tc.casePart, tc.words, tc.ok)
		}
	}
}

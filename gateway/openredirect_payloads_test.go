package gateway

// openRedirectPayloads generates return targets in every class of the public open-redirect
// payload lists that docs/rp-security.md names (oauth2-proxy's testdata/openredirects.txt and
// mod_auth_openidc's test/open-redirect-payload-list.txt): scheme-relative and many-slash
// forms, backslashes, raw and percent-encoded tabs, newlines and slashes, user info and
// look-alike hosts, numeric and IPv6 hosts, full-width dots and NULs, absolute and
// scheme-only URLs, javascript:/data:/vbscript: in many spellings, and HTML or quote
// breakers. The lists themselves are not copied; the classes are recombined here.
func openRedirectPayloads() []string {
	prefixes := []string{
		"//", "///", "////", "/////", `/\`, `\\`, `/\/`, `\/\/`, `/\/\/`, `\/`,
		"/%09/", "//%09/", "///%09/", "/%5c", "//%5c", "///%5c", "/%2f%2f", "/%2F%2F", "/%2f%5c%2f",
		"/\t/", "\t//", "/\n/", "\n//", "/\r/", " //", "/ /", "%2f%2f", "%5c%5c",
		"https://", "http://", "HTTPS://", "https:", "http:", "https:/", `https:/\`, `https:\\`,
		"/https://", "/http://", "//https://", "//https:///", "/https:///", "/https:/%5c",
		"<>//", "/<>//", "@", "//;@", "http://;@", "ftp://", "//%2fx", "/.//", "/..//", "/./..//",
	}
	hosts := []string{
		"evil.example", "evil.example@localhost", "localhost@evil.example", "localhost.evil.example",
		"evil.example%2elocalhost", "evil%E3%80%82example", "evil%00.example", "3627734734", "0xd83ad6ce",
		"0330.072.0326.0316", "[::ffff:216.58.214.206]", "user:pass@evil.example", "evil.example:80#@localhost",
		"evil.example:80?@localhost", `evil.example\@localhost`, "evil.example+&@localhost#+@localhost",
	}
	suffixes := []string{"", "/%2f..//x"}
	out := make([]string, 0, len(prefixes)*len(hosts)*len(suffixes)+32)
	for _, p := range prefixes {
		for _, h := range hosts {
			for _, s := range suffixes {
				out = append(out, p+h+s)
			}
		}
	}
	return append(out,
		"javascript:alert(1)", "JavaScript:alert(1)", "JAVASCRIPT:alert(1)", " javascript:alert(1)",
		"java\tscript:alert(1)", "java\nscript:alert(1)", "javascript://%0aalert(1)", "Javas%26%2399;ript:alert(1)",
		`\j\av\a\s\cr\i\pt\:\a\l\ert\(1\)`, `\152\141\166\141\163\143\162\151\160\164\072alert(1)`,
		`\u006A\u0061\u0076\u0061\u0073\u0063\u0072\u0069\u0070\u0074\u003aalert(1)`,
		"%19Jav%09asc%09ript:https%20://evil.example/%250Aconfirm%25281%2529", "/%09/javascript:alert(1)",
		"//javascript:alert(1)", "/%5cjavascript:alert(1)", "/x:1/:///%01javascript:alert(document.cookie)/",
		"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "data:text/html,<script>alert(1)</script>",
		"vbscript:msgbox(1)", "%68%74%74%70%3a%2f%2f%65%76%69%6c%2e%65%78%61%6d%70%6c%65",
		"/%68%74%74%70%3a%2f%2f%65%76%69%6c%2e%65%78%61%6d%70%6c%65", "\";alert(0);//", "<>javascript:alert(1);",
		".evil.example", "evil.example", "@evil.example", "", " ", "\x00", "/\x00//evil.example",
	)
}

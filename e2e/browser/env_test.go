package browser

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kakaogate/kakaogate/internal/testcaddy"
	"github.com/kakaogate/kakaogate/kakaotest"
)

// testSecret is the cookie secret of the gateway under test.
const testSecret = "browser-journeys-cookie-secret-0123456789abcdef"

// env is one site under test: the real Caddy binary with kakaogate in front of the sample app,
// against its own Kakao emulator.
type env struct {
	t        *testing.T
	base     string // http://localhost:<port>
	emulator *kakaotest.Server
	caddy    *testcaddy.Instance
}

// envOptions shape the site.
type envOptions struct {
	extra    string // more lines in the global kakaogate options, e.g. "logout account"
	emulator func(*kakaotest.Options)
	// templates, when set, are the files of a templates directory (the templates option).
	templates map[string]string
	// fullyProtected makes every page of the app need a login, / and /favicon.ico included.
	fullyProtected bool
}

// newEnv starts the emulator, the sample app and Caddy. The site serves:
//
//   - / (and /favicon.ico): the app's public home page, no login needed (unless
//     fullyProtected: then it needs one too);
//   - /settings/*: a page that needs the gender scope (require_scope gender), served by a
//     second kakaogate handler, which passes the gender claim on as X-Auth-Gender;
//   - everything else: the members area, which needs a login.
//
// Both handlers share one session store and the global kakaogate options.
func newEnv(t *testing.T, o envOptions) *env {
	t.Helper()
	requireChrome(t)
	port := testcaddy.FreePort(t)
	e := &env{t: t, base: fmt.Sprintf("http://localhost:%d", port)}
	emu := kakaotest.Options{
		RedirectURIs:       []string{e.base + "/.auth/callback"},
		LogoutRedirectURIs: []string{e.base + "/.auth/logout/callback"},
		WebhookURL:         e.base + "/.auth/webhook/unlink",
	}
	if o.emulator != nil {
		o.emulator(&emu)
	}
	e.emulator = kakaotest.NewServer(emu)
	t.Cleanup(e.emulator.Close)
	app := newSampleApp(t)
	if o.templates != nil {
		dir := t.TempDir()
		for name, content := range o.templates {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		o.extra += "\n\t\ttemplates " + dir
	}
	members := "not path / /favicon.ico"
	if o.fullyProtected {
		members = "path *"
	}
	caddyfile := fmt.Sprintf(`{
	admin 127.0.0.1:%d
	persist_config off
	kakaogate {
		client_id demo-rest-api-key
		client_secret demo-client-secret
		issuer %[2]s
		api_url %[2]s
		cookie_secret %[3]s
		session memory
		post_logout_redirect /
		%[4]s
	}
}

http://localhost:%[5]d {
	bind 127.0.0.1
	handle /settings/* {
		kakaogate {
			require_scope gender
			header X-Auth-User-Id id
			header X-Auth-Nickname nickname
			header X-Auth-Email email
			header X-Auth-Gender gender
		}
		reverse_proxy %[6]s
	}
	handle {
		@members %[7]s
		kakaogate @members
		reverse_proxy %[6]s
	}
}
`, testcaddy.FreePort(t), e.emulator.URL(), testSecret, o.extra, port, strings.TrimPrefix(app.URL, "http://"), members)
	e.caddy = testcaddy.Start(t, caddyBin, caddyfile, e.base+"/.auth/me")
	return e
}

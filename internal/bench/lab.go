package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kakaogate/kakaogate/kakaotest"
)

// benchSecret is the cookie secret of the gateways under test.
const benchSecret = "bench-cookie-secret-0123456789-abcdefghijklmnopqrstuvwxyz"

// sessionCookie is the gateway's session cookie name with insecure_cookies (plain http).
const sessionCookie = "kakaogate"

// wrkUser is the user of the authenticated wrk scenarios: Ryan, who has every item, so the
// session carries a full claim set (id, nickname, email, images, age range, gender, …).
const wrkUser int64 = 1001

// lab is everything the benchmark runs against.
type lab struct {
	procs     []*proc
	caddy     *proc
	baseline  *proc // the -baseline binary, serving the *-baseline sites; nil without one
	redis     *proc
	upstream  *proc
	nginx     *proc // serves the nginx sites; nil without them
	emulator  *kakaotest.Server
	ports     map[string]int // site name → port
	adminAddr string
	cookies   map[string]string // site name → session cookie value of wrkUser
	// bearerToken is wrkUser's access token from the native app's code flow.
	bearerToken string
	logins      *loginLoad

	loginWorkers int
	plainCookie  bool
	sites        []string
}

// allSites are the Caddy sites a run may need: plain Caddy first, then plain Caddy adding
// the identity headers itself, then the gateways.
var allSites = []string{"plain", "headers", "memory", "redis", "nocache", "idle", "bearer", siteVerify, siteNginx, siteNginxAuth}

// withoutGateway are the sites without kakaogate.
var withoutGateway = []string{"plain", "headers", siteNginx, siteNginxAuth}

// sitesFor returns the sites the scenarios use (logins use redis), in allSites' order: an
// older binary without some option can still be measured on the others (-caddy, -only).
func sitesFor(scenarios []scenario) []string {
	var out []string
	for _, s := range allSites {
		for _, sc := range scenarios {
			if sc.site == s || (s == siteVerify && sc.site == siteNginxAuth) {
				out = append(out, s)
				break
			}
		}
	}
	for _, sc := range scenarios {
		if isBaseline(sc.site) && !slices.Contains(out, sc.site) {
			out = append(out, sc.site)
		}
	}
	return out
}

// gateways are the sites with kakaogate.
func (l *lab) gateways() []string {
	var out []string
	for _, s := range l.sites {
		if !slices.Contains(withoutGateway, s) {
			out = append(out, s)
		}
	}
	return out
}

func (l *lab) url(site string) string { return fmt.Sprintf("http://127.0.0.1:%d", l.ports[site]) }

// host is the gateway's browser-facing address: another cookie host than the emulator's
// 127.0.0.1, as in production.
func (l *lab) host(site string) string { return fmt.Sprintf("http://localhost:%d", l.ports[site]) }

func startLab(ctx context.Context, o options, pin pinning, dir string, scenarios []scenario) (_ *lab, err error) {
	l := &lab{ports: map[string]int{}, cookies: map[string]string{}, loginWorkers: o.loginWorkers,
		plainCookie: o.plainCookie, sites: sitesFor(scenarios)}
	defer func() {
		if err != nil {
			l.close()
		}
	}()
	bin := o.caddyBin
	if bin == "" {
		if bin, err = buildCaddy(ctx, dir); err != nil {
			return nil, err
		}
	}
	var redisAddr string
	if l.redis, redisAddr, err = startRedis(pin, dir); err != nil {
		return nil, err
	}
	l.procs = append(l.procs, l.redis)

	upPort, err := freePort()
	if err != nil {
		return nil, err
	}
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	upAddr := "127.0.0.1:" + strconv.Itoa(upPort)
	if l.upstream, err = startProc("upstream", pin.server(self, "-serve-upstream", upAddr)); err != nil {
		return nil, err
	}
	l.procs = append(l.procs, l.upstream)
	if err := waitHTTP(l.upstream, "http://"+upAddr+"/"); err != nil {
		return nil, err
	}

	for _, s := range append(slices.Concat(allSites, l.sites), "admin") {
		if l.ports[s], err = freePort(); err != nil {
			return nil, err
		}
	}
	l.adminAddr = "127.0.0.1:" + strconv.Itoa(l.ports["admin"])
	emu := kakaotest.Options{Users: benchUsers(), Apps: []kakaotest.App{benchNativeApp}}
	for _, s := range l.gateways() {
		emu.RedirectURIs = append(emu.RedirectURIs, l.host(s)+"/.auth/callback")
		emu.LogoutRedirectURIs = append(emu.LogoutRedirectURIs, l.host(s)+"/.auth/logout/callback")
	}
	l.emulator = kakaotest.NewServer(emu)

	if err := l.startCaddy(pin, dir, bin, upAddr, redisAddr); err != nil {
		return nil, err
	}
	for _, s := range l.sites {
		if isBaseline(s) || s == siteNginx || s == siteNginxAuth {
			continue
		}
		if err := waitHTTP(l.caddy, l.url(s)+"/.auth/healthz"); err != nil {
			return nil, err
		}
	}
	if err := l.startNginx(pin, dir, upAddr); err != nil {
		return nil, err
	}
	if o.baseline != "" {
		if err := l.startBaseline(pin, dir, o.baseline, upAddr, redisAddr); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// startCaddy writes the Caddyfile of every site into dir and starts Caddy (bin) on it.
func (l *lab) startCaddy(pin pinning, dir, bin, upAddr, redisAddr string) error {
	cfg := filepath.Join(dir, "Caddyfile")
	if err := os.WriteFile(cfg, []byte(l.caddyfile(upAddr, redisAddr)), 0o600); err != nil {
		return err
	}
	home := filepath.Join(dir, "home") // Caddy's data directory is <home>/caddy; dir/caddy is the binary
	if err := os.MkdirAll(home, 0o700); err != nil {
		return err
	}
	var err error
	if l.caddy, err = startProc("caddy", pin.server(bin, "run", "--config", cfg, "--adapter", "caddyfile"),
		"HOME="+home, "XDG_DATA_HOME="+home, "XDG_CONFIG_HOME="+home); err != nil {
		return err
	}
	l.procs = append(l.procs, l.caddy)
	return nil
}

func (l *lab) caddyfile(upstream, redisAddr string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "{\n\tadmin %s\n\tpersist_config off\n\tauto_https off\n%s}\n\n", l.adminAddr, l.verifyServerOptions())
	fmt.Fprintf(&b, "http://:%d {\n\tbind 127.0.0.1\n\treverse_proxy %s\n}\n\n", l.ports["plain"], upstream)
	// What the upstream gets from the gateway for the wrk user, set by Caddy itself: the
	// floor of passing an identity through reverse_proxy, without any authentication.
	fmt.Fprintf(&b, `http://:%d {
	bind 127.0.0.1
	request_header -Cookie
	request_header X-Auth-User-Id %d
	request_header X-Auth-Nickname Ryan
	request_header X-Auth-Email ryan@example.com
	request_header X-Auth-Status authenticated
	reverse_proxy %s
}

`, l.ports["headers"], wrkUser, upstream)
	for _, s := range l.gateways() {
		if !isBaseline(s) {
			b.WriteString(l.gatewaySite(s, upstream, redisAddr))
		}
	}
	return b.String()
}

// gatewaySite is the Caddyfile site of gateway s (memory, redis, nocache, idle or bearer,
// maybe with the baseline suffix).
func (l *lab) gatewaySite(s, upstream, redisAddr string) string {
	store, extra := "memory", ""
	switch storeSite(s) {
	case "bearer":
		extra = bearerOptions
	case "redis":
		store = "redis redis://" + redisAddr + "/0"
	case "nocache":
		store = "redis redis://" + redisAddr + "/0 {\n\t\t\tcache off\n\t\t}"
	case "idle":
		store, extra = "redis redis://"+redisAddr+"/0", "\n\t\tidle_timeout 30m"
	}
	return fmt.Sprintf(`http://:%d {
	bind 127.0.0.1
	kakaogate {
		client_id %s
		client_secret %s
		issuer %s
		api_url %s
		redirect_url %s/.auth/callback
		cookie_secret %s
		insecure_cookies
		session %s%s
	}
	reverse_proxy %s
}

`, l.ports[s], kakaotest.DefaultClientID, kakaotest.DefaultClientSecret, l.emulator.URL(), l.emulator.URL(),
		l.host(s), benchSecret, store, extra, upstream)
}

// prepare logs the wrk user in at both gateways, checks every scenario answers as it should,
// and signs the login scenario's browsers in once at the emulator.
func (l *lab) prepare(ctx context.Context, scenarios []scenario) error {
	for _, s := range l.gateways() {
		b := newBrowser(nil)
		resp, err := kakaotest.Login(b.client, l.host(s)+"/", wrkUser)
		if err != nil {
			return fmt.Errorf("logging in at the %s gateway: %w", s, err)
		}
		resp.Body.Close()
		v, ok := b.cookie(l.host(s), sessionCookie)
		if !ok {
			return fmt.Errorf("the %s gateway set no session cookie", s)
		}
		l.cookies[s] = v
	}
	if v, ok := l.cookies[siteVerify]; ok {
		l.cookies[siteNginxAuth] = v // nginx passes it to verify
	}
	if err := l.prepareBearer(scenarios); err != nil {
		return err
	}
	for _, sc := range scenarios {
		if sc.kind != kindWrk {
			continue
		}
		if err := l.check(sc); err != nil {
			return fmt.Errorf("scenario %s: %w", sc.name, err)
		}
	}
	for _, sc := range scenarios {
		if sc.kind == kindLogin {
			var err error
			if l.logins, err = newLoginLoad(ctx, l); err != nil {
				return err
			}
		}
	}
	return nil
}

// check sends the scenario's request once (to /whoami, which the upstream answers with the
// X-Auth-User-Id it received) and verifies the status and, with a session, the identity.
func (l *lab) check(sc scenario) error {
	req, err := http.NewRequest(http.MethodGet, l.url(sc.site)+"/whoami", nil)
	if err != nil {
		return err
	}
	for _, h := range l.headers(sc) {
		name, value, _ := strings.Cut(h, ": ")
		req.Header.Set(name, value)
	}
	req.Header.Set("X-Auth-User-Id", "forged")
	client := &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != sc.status {
		return fmt.Errorf("status %d, want %d: %s", resp.StatusCode, sc.status, body)
	}
	want := "" // the gateway removed the forged header
	switch {
	case sc.site == "plain" || sc.site == siteNginx:
		want = "forged" // plain Caddy and nginx alone pass it on
	case sc.site == "headers":
		want = strconv.FormatInt(wrkUser, 10) // request_header replaced it
	case sc.authenticated:
		want = strconv.FormatInt(wrkUser, 10)
	}
	if sc.status == http.StatusOK && strings.TrimSpace(string(body)) != want {
		return fmt.Errorf("upstream saw X-Auth-User-Id %q, want %q", body, want)
	}
	return nil
}

// headers are the request headers wrk sends for sc.
func (l *lab) headers(sc scenario) []string {
	var h []string
	switch {
	case sc.bearer:
		h = append(h, "Authorization: Bearer "+l.bearerToken)
	case sc.authenticated:
		h = append(h, "Cookie: "+sessionCookie+"="+l.cookies[sc.site])
	case slices.Contains(withoutGateway, sc.site) && l.plainCookie: // the very requests the gateways get
		if gw := l.gateways(); len(gw) > 0 {
			h = append(h, "Cookie: "+sessionCookie+"="+l.cookies[gw[0]])
		}
	}
	if sc.status == http.StatusUnauthorized {
		h = append(h, "Accept: application/json")
	}
	return h
}

func (l *lab) close() {
	if l.emulator != nil {
		l.emulator.Close()
	}
	for i := len(l.procs) - 1; i >= 0; i-- {
		l.procs[i].stop()
	}
}

// benchUsers are the emulator's default users plus enough generated ones that the login
// scenario never piles many live sessions on one person.
func benchUsers() []kakaotest.User {
	users := kakaotest.DefaultUsers()
	for i := range loginUsers {
		id := int64(2001 + i)
		users = append(users, kakaotest.User{
			ID: id, Nickname: "사용자" + strconv.Itoa(i+1),
			ProfileImageURL: "http://k.kakaocdn.net/dn/bench/" + strconv.FormatInt(id, 10) + "/img_640x640.jpg",
			Email:           "user" + strconv.FormatInt(id, 10) + "@example.com", EmailValid: true, EmailVerified: true,
			AgeRange: "20~29", Gender: "female",
		})
	}
	return users
}

// errStatus reports an unexpected answer in the login flow.
var errStatus = errors.New("unexpected answer")

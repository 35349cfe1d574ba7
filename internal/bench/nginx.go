package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
)

// The nginx scenarios measure forward auth: nginx with auth_request asking kakaogate's
// /.auth/verify (the "verify" Caddy site, memory store) before proxying to the upstream,
// against nginx proxying alone, in the same rounds. Their ratio is the cost of the verify
// round trip; both figures are also shown against plain Caddy like every other scenario.
const (
	siteNginx     = "nginx"     // nginx proxy_pass alone
	siteNginxAuth = "nginxauth" // nginx auth_request → kakaogate verify → upstream
	siteVerify    = "verify"    // the kakaogate site nginx asks
)

// nginxBinary returns nginx's path (PATH, then where Debian puts it), or "".
func nginxBinary() string {
	if bin, err := exec.LookPath("nginx"); err == nil {
		return bin
	}
	if fi, err := os.Stat("/usr/sbin/nginx"); err == nil && fi.Mode()&0o111 != 0 {
		return "/usr/sbin/nginx"
	}
	return ""
}

// withoutNginx drops the nginx scenarios when nginx is not installed and the run did not ask
// for them by name (-only); asked for by name, a missing nginx is an error.
func withoutNginx(scenarios []scenario, only string) ([]scenario, error) {
	if nginxBinary() != "" || !slices.ContainsFunc(scenarios, isNginxScenario) {
		return scenarios, nil
	}
	if only != "" {
		return nil, fmt.Errorf("nginx is not installed: run ./scripts/bench (which installs it as root) or install it yourself")
	}
	fmt.Println("nginx is not installed: the nginx scenarios are skipped (./scripts/bench installs it)")
	return slices.DeleteFunc(slices.Clone(scenarios), isNginxScenario), nil
}

func isNginxScenario(sc scenario) bool { return sc.site == siteNginx || sc.site == siteNginxAuth }

// startNginx runs one nginx (no daemon, no master process, on the servers' CPU) serving the
// nginx sites the run uses, with every path in dir.
func (l *lab) startNginx(pin pinning, dir, upstream string) error {
	if !slices.Contains(l.sites, siteNginx) && !slices.Contains(l.sites, siteNginxAuth) {
		return nil
	}
	home := filepath.Join(dir, "nginx")
	if err := os.MkdirAll(filepath.Join(home, "tmp"), 0o700); err != nil {
		return err
	}
	conf := filepath.Join(home, "nginx.conf")
	if err := os.WriteFile(conf, []byte(l.nginxConfig(home, upstream)), 0o600); err != nil {
		return err
	}
	p, err := startProc("nginx", pin.server(nginxBinary(), "-p", home, "-c", conf, "-e", filepath.Join(home, "error.log")))
	if err != nil {
		return err
	}
	l.nginx = p
	l.procs = append(l.procs, p)
	for _, s := range []string{siteNginx, siteNginxAuth} {
		if slices.Contains(l.sites, s) {
			if err := waitHTTP(p, l.url(s)+"/"); err != nil {
				return err
			}
		}
	}
	return nil
}

// nginxConfig is the benchmark's nginx.conf: the documented forward-auth set-up
// (docs/forward-auth.md) with keep-alive connections to both upstreams, as Caddy keeps them.
func (l *lab) nginxConfig(home, upstream string) string {
	return fmt.Sprintf(`daemon off;
master_process off;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events {
	worker_connections 4096;
}
http {
	access_log off;
	client_body_temp_path %[1]s/tmp/client_body;
	proxy_temp_path %[1]s/tmp/proxy;
	fastcgi_temp_path %[1]s/tmp/fastcgi;
	uwsgi_temp_path %[1]s/tmp/uwsgi;
	scgi_temp_path %[1]s/tmp/scgi;
	proxy_http_version 1.1;
	proxy_set_header Connection "";
	upstream app {
		server %[2]s;
		keepalive 64;
	}
	upstream kakaogate {
		server 127.0.0.1:%[3]d;
		keepalive 64;
	}
	server {
		listen 127.0.0.1:%[4]d;
		location / {
			proxy_pass http://app;
		}
	}
	server {
		listen 127.0.0.1:%[5]d;
		location /.auth/ {
			proxy_pass http://kakaogate;
			proxy_set_header Host $http_host;
			proxy_set_header Connection "";
		}
		location = /.auth/verify {
			internal;
			proxy_pass http://kakaogate;
			proxy_pass_request_body off;
			proxy_set_header Content-Length "";
			proxy_set_header Connection "";
			proxy_set_header Host $http_host;
			proxy_set_header X-Forwarded-Method $request_method;
			proxy_set_header X-Forwarded-Proto $scheme;
			proxy_set_header X-Forwarded-Host $http_host;
			proxy_set_header X-Forwarded-Uri $request_uri;
		}
		location / {
			auth_request /.auth/verify;
			auth_request_set $auth_status $upstream_http_x_auth_status;
			auth_request_set $auth_user_id $upstream_http_x_auth_user_id;
			auth_request_set $auth_nickname $upstream_http_x_auth_nickname;
			auth_request_set $auth_email $upstream_http_x_auth_email;
			proxy_set_header X-Auth-Status $auth_status;
			proxy_set_header X-Auth-User-Id $auth_user_id;
			proxy_set_header X-Auth-Nickname $auth_nickname;
			proxy_set_header X-Auth-Email $auth_email;
			proxy_set_header Connection ""; # a location's proxy_set_header replaces the http block's
			proxy_pass http://app;
		}
	}
}
`, home, upstream, l.ports[siteVerify], l.ports[siteNginx], l.ports[siteNginxAuth])
}

// verifyServerOptions are the global server options that make the verify site's listener
// trust nginx (loopback) as a proxy, so verify reads the original request from nginx's
// X-Forwarded-* headers as in production; the other sites' listeners are left as they are.
func (l *lab) verifyServerOptions() string {
	if !slices.Contains(l.sites, siteVerify) {
		return ""
	}
	return fmt.Sprintf("\tservers 127.0.0.1:%d {\n\t\ttrusted_proxies static 127.0.0.1/32\n\t}\n", l.ports[siteVerify])
}

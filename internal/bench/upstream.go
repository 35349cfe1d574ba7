package main

import (
	"net/http"
	"time"
)

// upstreamBody is what the tiny upstream answers to every path but /whoami.
const upstreamBody = "ok\n"

// serveUpstream is the app behind Caddy: a minimal net/http server. It answers "ok" to
// everything, and /whoami with the X-Auth-User-Id it received (the benchmark's sanity check
// that the gateway injected the identity and removed the forged header).
func serveUpstream(addr string) error {
	ok := []byte(upstreamBody)
	srv := &http.Server{
		Addr:              addr,
		ReadHeaderTimeout: 10 * time.Second,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			if r.URL.Path == "/whoami" {
				_, _ = w.Write([]byte(r.Header.Get("X-Auth-User-Id") + "\n"))
				return
			}
			_, _ = w.Write(ok)
		}),
	}
	return srv.ListenAndServe()
}

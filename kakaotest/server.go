package kakaotest

import (
	"net/http/httptest"
)

// Server is an [Emulator] listening on a free loopback port, for tests.
// The embedded Emulator's methods are the test hooks.
type Server struct {
	*Emulator
	srv *httptest.Server
}

// NewServer starts an emulator on 127.0.0.1 and a free port. An empty
// opts.Issuer becomes the server's URL (http://127.0.0.1:<port>). Like
// [httptest.NewServer] it panics when it cannot start, which for the
// emulator also means invalid Options: a broken test set-up, not input.
// Call [Server.Close] when done (t.Cleanup(srv.Close)).
func NewServer(opts Options) *Server {
	srv := httptest.NewUnstartedServer(nil)
	if opts.Issuer == "" {
		opts.Issuer = "http://" + srv.Listener.Addr().String()
	}
	e, err := New(opts)
	if err != nil {
		srv.Close()
		panic(err)
	}
	srv.Config.Handler = e
	srv.Start()
	return &Server{Emulator: e, srv: srv}
}

// URL returns the server's base URL, e.g. http://127.0.0.1:41234.
func (s *Server) URL() string { return s.srv.URL }

// Close stops the server and waits for outstanding requests.
func (s *Server) Close() {
	s.srv.Close()
	s.Emulator.Close()
}

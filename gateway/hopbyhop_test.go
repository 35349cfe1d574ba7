package gateway

import (
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/kakaogate/kakaogate/config"
)

func TestShieldHopByHopPrunesOwnedNames(t *testing.T) {
	ih := newIdentityHeaders([]config.HeaderClaim{{Header: "Remote-User", Claim: "id"}})
	for _, tc := range []struct {
		name string
		in   http.Header
		want http.Header
	}{
		{"nothing owned", http.Header{"Connection": {"keep-alive, Upgrade"}}, http.Header{"Connection": {"keep-alive, Upgrade"}}},
		{"owned names removed, others kept",
			http.Header{"Connection": {"keep-alive, x-auth-signed-up", " X-AUTH-STATUS ,Upgrade"}, "Proxy-Connection": {"remote-user"}},
			http.Header{"Connection": {"keep-alive", "Upgrade"}}},
		{"only owned names: header deleted", http.Header{"Connection": {"X-Auth-User-Id,,Remote-User"}}, http.Header{}},
		{"declared trailers", http.Header{"Trailer": {"X-Auth-User-Id, X-Checksum"}}, http.Header{"Trailer": {"X-Checksum"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &http.Request{Header: tc.in}
			ih.shieldHopByHop(r)
			if !reflect.DeepEqual(r.Header, tc.want) {
				t.Errorf("got %v, want %v", r.Header, tc.want)
			}
		})
	}
}

func TestShieldHopByHopDropsOwnedTrailersAtEOF(t *testing.T) {
	ih := newIdentityHeaders(nil)
	trailer := http.Header{"X-Auth-User-Id": nil, "X-Checksum": nil}
	// What net/http does at the end of a chunked body: every received trailer, declared or
	// not, lands in the request's trailer map in the Read that returns io.EOF.
	body := &fillOnEOF{ReadCloser: io.NopCloser(strings.NewReader("body")), fill: func() {
		trailer["X-Auth-User-Id"], trailer["X-Auth-Status"], trailer["X-Checksum"] = []string{"admin"}, []string{"authenticated"}, []string{"ok"}
	}}
	r := &http.Request{Header: http.Header{}, Trailer: trailer, Body: body}
	ih.shieldHopByHop(r)
	if _, ok := trailer["X-Auth-User-Id"]; ok {
		t.Fatal("a declared identity trailer was kept")
	}
	if _, err := io.ReadAll(r.Body); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(trailer, http.Header{"X-Checksum": {"ok"}}) {
		t.Errorf("trailers after the body: %v, want only X-Checksum", trailer)
	}
}

type fillOnEOF struct {
	io.ReadCloser
	fill func()
}

func (b *fillOnEOF) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.fill()
	}
	return n, err
}

// TestShieldHopByHopAllocatesNothingUsually: the hot path (no owned names, no trailers)
// stays allocation-free.
func TestShieldHopByHopAllocatesNothingUsually(t *testing.T) {
	ih := newIdentityHeaders([]config.HeaderClaim{{Header: "X-Auth-User-Id", Claim: "id"}})
	r := &http.Request{Header: http.Header{"Connection": {"keep-alive"}, "Accept": {"*/*"}}}
	if n := testing.AllocsPerRun(100, func() { ih.shieldHopByHop(r) }); n != 0 {
		t.Errorf("%v allocations per request, want 0", n)
	}
}

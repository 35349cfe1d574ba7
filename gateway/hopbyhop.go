package gateway

import (
	"io"
	"net/http"
	"net/textproto"
	"strings"
)

// A client can name any header in Connection (or the older Proxy-Connection) and Caddy's
// reverse_proxy then deletes that header as hop-by-hop, after the gateway set it:
// `Connection: keep-alive, X-Auth-Signed-Up` would hide `X-Auth-Signed-Up: false` from the
// app. And a client can send request trailers named like identity headers, which the proxy
// forwards and some frameworks merge into the headers. So, on every request that goes
// upstream, the gateway removes the names it owns (X-Auth-* and its configured headers) from
// those lists and drops trailers with those names, declared or only received at the end of
// the body. Requests without such headers and without trailers allocate nothing here.

// owns reports whether the gateway sets (or strips) the header called name, in any case.
func (ih identityHeaders) owns(name string) bool {
	if hasIdentityPrefix(name) {
		return true
	}
	for _, m := range ih.mappings {
		if strings.EqualFold(m.Header, name) {
			return true
		}
	}
	return false
}

// shieldHopByHop removes owned names from the header lists of r that make a proxy drop or
// add headers, and owned trailers.
func (ih identityHeaders) shieldHopByHop(r *http.Request) {
	for _, list := range [...]string{"Connection", "Proxy-Connection", "Trailer"} {
		if vals, ok := r.Header[list]; ok && ih.namesAny(vals) {
			ih.pruneNames(r.Header, list, vals)
		}
	}
	if r.Trailer != nil {
		ih.dropOwned(r.Trailer)
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = &trailerGuard{ReadCloser: r.Body, trailer: r.Trailer, headers: ih}
		}
	}
}

// namesAny reports whether the comma-separated lists vals name a header the gateway owns.
func (ih identityHeaders) namesAny(vals []string) bool {
	for _, v := range vals {
		for v != "" {
			var name string
			name, v, _ = strings.Cut(v, ",")
			if ih.owns(textproto.TrimString(name)) {
				return true
			}
		}
	}
	return false
}

// pruneNames rewrites the list header called list without the names the gateway owns,
// deleting it when nothing else is left.
func (ih identityHeaders) pruneNames(h http.Header, list string, vals []string) {
	var kept []string
	for _, v := range vals {
		var names []string
		for _, name := range strings.Split(v, ",") {
			if name = textproto.TrimString(name); name != "" && !ih.owns(name) {
				names = append(names, name)
			}
		}
		if len(names) > 0 {
			kept = append(kept, strings.Join(names, ", "))
		}
	}
	if len(kept) == 0 {
		delete(h, list)
		return
	}
	h[list] = kept
}

// dropOwned deletes the trailers the gateway owns.
func (ih identityHeaders) dropOwned(trailer http.Header) {
	for name := range trailer {
		if ih.owns(name) {
			delete(trailer, name)
		}
	}
}

// trailerGuard drops owned trailers once the body is read to its end: net/http fills
// r.Trailer with every trailer received (declared or not) in the Read that returns io.EOF,
// and the proxy copies them from there right after that Read.
type trailerGuard struct {
	io.ReadCloser
	trailer http.Header
	headers identityHeaders
}

func (b *trailerGuard) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF {
		b.headers.dropOwned(b.trailer)
	}
	return n, err
}

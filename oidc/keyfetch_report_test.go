package oidc

import (
	"sync"
	"testing"
	"time"

	"github.com/kakaogate/kakaogate/oidc/oidctest"
)

// fetchReports collects what KeySetOptions.OnFetch is told.
type fetchReports struct {
	mu   sync.Mutex
	errs []error
}

func (f *fetchReports) add(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.errs = append(f.errs, err)
}

// counts returns how many fetches succeeded and failed.
func (f *fetchReports) counts() (ok, failed int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, err := range f.errs {
		if err == nil {
			ok++
		} else {
			failed++
		}
	}
	return ok, failed
}

// TestOnFetchReportsEveryJWKSFetch: the first fetch, a refetch forced by a rotation and
// fetches that fail (HTTP error, an empty key set) are each reported once, with their outcome.
func TestOnFetchReportsEveryJWKSFetch(t *testing.T) {
	var reports fetchReports
	e := newEnv(t, withProvider(func(po *ProviderOptions) { po.Keys.OnFetch = reports.add }))
	e.mustVerify(t)
	if ok, failed := reports.counts(); ok != 1 || failed != 0 {
		t.Fatalf("after the first fetch: %d ok, %d failed; want 1, 0", ok, failed)
	}
	e.srv.SetKeys(rsaKey2(), rsaKey2())
	e.mustVerify(t) // unknown kid: one forced refetch
	if ok, failed := reports.counts(); ok != 2 || failed != 0 {
		t.Fatalf("after a rotation: %d ok, %d failed; want 2, 0", ok, failed)
	}

	e.srv.SetKeys(rsaKey3(), rsaKey3())
	e.srv.SetFault(oidctest.JWKSURI, oidctest.Fault{Status: 500})
	e.clock.Add(DefaultRefetchInterval + time.Second)
	if _, err := e.c.Verify(e.ctx, e.srv.IssueIDToken(e.nonce), VerifyOptions{Nonce: e.nonce}); err == nil {
		t.Fatal("a token of an unknown key verified while the JWKS answered 500")
	}
	if ok, failed := reports.counts(); ok != 2 || failed != 1 {
		t.Fatalf("after a failed refetch: %d ok, %d failed; want 2, 1", ok, failed)
	}

	e.srv.SetFault(oidctest.JWKSURI, oidctest.Fault{Body: []byte(`{"keys":[]}`)})
	e.clock.Add(DefaultRefetchInterval + time.Second)
	if _, err := e.c.Verify(e.ctx, e.srv.IssueIDToken(e.nonce), VerifyOptions{Nonce: e.nonce}); err == nil {
		t.Fatal("a token verified against an empty key set")
	}
	if ok, failed := reports.counts(); ok != 2 || failed != 2 {
		t.Fatalf("after an empty key set: %d ok, %d failed; want 2, 2", ok, failed)
	}
}

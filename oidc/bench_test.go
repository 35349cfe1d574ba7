package oidc

import (
	"testing"

	"github.com/kakaogate/kakaogate/oidc/oidctest"
)

// benchEnv returns an env whose key set is warm and a good token.
func benchEnv(b *testing.B, opts ...envOption) (*env, string) {
	e := newEnv(b, opts...)
	raw := e.srv.IssueIDToken(e.nonce)
	if _, err := e.c.Verify(e.ctx, raw, VerifyOptions{Nonce: e.nonce}); err != nil {
		b.Fatal(err)
	}
	return e, raw
}

func BenchmarkVerifyRS256(b *testing.B) {
	e, raw := benchEnv(b)
	opts := VerifyOptions{Nonce: e.nonce}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.c.Verify(e.ctx, raw, opts); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyRS256Parallel(b *testing.B) {
	e, raw := benchEnv(b)
	opts := VerifyOptions{Nonce: e.nonce}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := e.c.Verify(e.ctx, raw, opts); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkVerifyES256(b *testing.B) {
	e, raw := benchEnv(b, withServer(func(so *oidctest.Options) {
		so.Keys, so.SigningAlgs = []*oidctest.Key{ecKey1()}, []string{"ES256"}
	}))
	opts := VerifyOptions{Nonce: e.nonce}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.c.Verify(e.ctx, raw, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerifyRejectUnknownKid measures the cost of a refetch storm
// once the rate limit is closed.
func BenchmarkVerifyRejectUnknownKid(b *testing.B) {
	e, _ := benchEnv(b)
	raw := unsignedWithKid(b, e, "unknown")
	_, _ = e.c.Verify(e.ctx, raw, VerifyOptions{}) // spend the refetch
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.c.Verify(e.ctx, raw, VerifyOptions{}); err == nil {
			b.Fatal("accepted")
		}
	}
}

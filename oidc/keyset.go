package oidc

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
	"golang.org/x/sync/singleflight"
)

// Defaults for [KeySetOptions].
const (
	DefaultMinRefresh      = 15 * time.Minute
	DefaultMaxRefresh      = 24 * time.Hour
	DefaultRefetchInterval = time.Minute
)

// errRefetchLimited reports a forced JWKS fetch refused by the rate limit.
var errRefetchLimited = errors.New("oidc: jwks refetch rate-limited")

// KeySetOptions tunes a [KeySet]. The zero value gives the defaults.
type KeySetOptions struct {
	// MinRefresh and MaxRefresh clamp the background refresh interval that
	// the JWKS response's Cache-Control max-age or Expires asks for; without
	// either header, and after a failed fetch, the next refresh is MinRefresh
	// later.
	// Defaults: 15m and 24h.
	MinRefresh, MaxRefresh time.Duration
	// RefetchInterval is the minimum time between two fetches forced by a
	// token whose kid is unknown (a key rotation, or an attacker). Callers
	// arriving meanwhile share the last fetch's outcome. Default: 1m.
	RefetchInterval time.Duration
	// OnFetch, when set, is called after every JWKS fetch (the first one, background
	// refreshes and refetches forced by an unknown kid) with nil when a usable key set was
	// published, or the reason it was not. It must be fast and safe for concurrent use
	// (metrics). Default: none.
	OnFetch func(err error)
}

// withDefaults fills zero fields and checks the ranges.
func (o KeySetOptions) withDefaults() (KeySetOptions, error) {
	o.MinRefresh = orDefault(o.MinRefresh, DefaultMinRefresh)
	o.MaxRefresh = orDefault(o.MaxRefresh, DefaultMaxRefresh)
	o.RefetchInterval = orDefault(o.RefetchInterval, DefaultRefetchInterval)
	if o.MaxRefresh < o.MinRefresh {
		return o, fmt.Errorf("oidc: Keys.MaxRefresh (%s) is less than Keys.MinRefresh (%s)", o.MaxRefresh, o.MinRefresh)
	}
	return o, nil
}

// keySetDeps is what a KeySet needs from its Provider.
type keySetDeps struct {
	jwksURL func(context.Context) (string, error)
	client  *http.Client
	timeout time.Duration
	now     func() time.Time
	log     *zap.Logger
}

// KeySet holds a provider's signing keys, taken only from the jwks_uri of
// its discovery document (see the package documentation for when they are
// fetched and refreshed):
//
//   - a token with an unknown kid causes at most one fetch, shared by all
//     concurrent callers and spaced at least RefetchInterval apart;
//   - a fetch that fails, is not a JWK Set, or holds no usable signing key
//     never replaces the last good set;
//   - bodies are capped at 1 MiB and every fetch is timed out.
//
// Keys with use "enc", key_ops without "verify", symmetric keys and RSA keys
// shorter than 2048 bits are never used. Header parameters that name keys
// (jku, x5u, jwk, x5c) are never honoured.
type KeySet struct {
	deps    keySetDeps
	opts    KeySetOptions
	ctx     context.Context // ends background refresh and in-flight fetches
	cancel  context.CancelFunc
	fetcher *jwksFetcher
	cur     atomic.Pointer[keyIndex] // last good set for the followed URL
	sf      singleflight.Group
	wg      sync.WaitGroup // the background refresh

	mu          sync.Mutex                // guards the fields below
	url         string                    // the jwks_uri followed by the background refresh
	stopRefresh context.CancelFunc        // ends the background refresh of url
	nextForced  [refetchBudgets]time.Time // earliest next fetch forced by an unknown kid, per budget
	nextInitial time.Time                 // earliest next attempt while no good set exists
	backoff     time.Duration
	closed      bool
}

// newKeySet returns a KeySet bound to parent; it performs no I/O.
func newKeySet(parent context.Context, deps keySetDeps, opts KeySetOptions) *KeySet {
	ctx, cancel := context.WithCancel(parent)
	return &KeySet{
		deps: deps, opts: opts, ctx: ctx, cancel: cancel,
		fetcher: &jwksFetcher{client: deps.client, now: deps.now, minTTL: opts.MinRefresh, maxTTL: opts.MaxRefresh},
	}
}

// close stops the background refresh, aborts in-flight fetches and waits
// for the refresh to end.
func (k *KeySet) close() {
	k.mu.Lock()
	k.closed = true
	k.mu.Unlock()
	k.cancel()
	k.wg.Wait()
}

// current returns the good key set for the provider's current jwks_uri,
// fetching it when there is none yet.
func (k *KeySet) current(ctx context.Context, budget refetchBudget) (*keyIndex, error) {
	url, err := k.deps.jwksURL(ctx)
	if err != nil {
		return nil, err
	}
	if ix := k.cur.Load(); ix != nil && ix.url == url {
		return ix, nil
	}
	ix, err := k.refetch(ctx, url, budget)
	if err != nil {
		if errors.Is(err, ErrProviderUnavailable) {
			return nil, err
		}
		return nil, unavailable("jwks", err)
	}
	return ix, nil
}

// refetch fetches url now, unless budget's rate limit forbids it.
// Concurrent callers of one budget share one fetch; a caller whose ctx ends
// stops waiting, but the fetch goes on for the others.
func (k *KeySet) refetch(ctx context.Context, url string, budget refetchBudget) (*keyIndex, error) {
	ch := k.sf.DoChan(budget.String()+" "+url, func() (any, error) { return k.fetch(url, budget) })
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(*keyIndex), nil
	case <-ctx.Done():
		return nil, unavailable("jwks", ctx.Err())
	}
}

// fetch performs one gated fetch of url. While no good set exists for url,
// failures back off from 1s, doubling, up to RefetchInterval. Once one
// exists, a fetch is forced (by an unknown kid) and forced fetches of one
// budget are spaced RefetchInterval apart whatever their outcome; the
// first forced fetch may follow the initial one at once (a rotation right
// after start). The first fetch of a URL starts its background refresh.
func (k *KeySet) fetch(url string, budget refetchBudget) (*keyIndex, error) {
	now := k.deps.now()
	prev := k.cur.Load()
	forced := prev != nil && prev.url == url
	k.mu.Lock()
	if k.closed {
		k.mu.Unlock()
		return nil, unavailable("jwks", errors.New("key set closed"))
	}
	if (forced && now.Before(k.nextForced[budget])) || (!forced && now.Before(k.nextInitial)) {
		k.mu.Unlock()
		return nil, errRefetchLimited
	}
	if forced {
		k.nextForced[budget] = now.Add(k.opts.RefetchInterval)
	}
	refreshCtx := k.followLocked(url)
	k.mu.Unlock()

	ctx, cancel := context.WithTimeout(k.ctx, k.deps.timeout)
	defer cancel()
	ix, next, err := k.load(ctx, url)
	if refreshCtx != nil {
		go k.refresh(refreshCtx, url, next)
	}
	if !forced {
		k.backOff(err == nil)
	}
	if err != nil {
		k.deps.log.Warn("oidc jwks fetch failed", zap.String("jwks_uri", url), zap.Error(err))
		return nil, unavailable("jwks", err)
	}
	return ix, nil
}

// backOff spaces the attempts to get a first good set: none after a
// success, else 1s doubling up to RefetchInterval.
func (k *KeySet) backOff(good bool) {
	now := k.deps.now()
	k.mu.Lock()
	defer k.mu.Unlock()
	switch {
	case good:
		k.backoff = 0
	case k.backoff == 0:
		k.backoff = min(time.Second, k.opts.RefetchInterval)
	default:
		k.backoff = min(2*k.backoff, k.opts.RefetchInterval)
	}
	k.nextInitial = now.Add(k.backoff)
}

// verify checks sig over input with a key of the current set selected by
// kid and alg. An unknown kid (or, without kid, no key fitting alg) causes
// one refetch, rate-limited per budget. A token without kid is accepted only
// when exactly one key of the set fits alg.
func (k *KeySet) verify(ctx context.Context, kid, alg string, input, sig []byte, budget refetchBudget) error {
	ix, err := k.current(ctx, budget)
	if err != nil {
		return err
	}
	cands, known := ix.candidates(kid, alg)
	if (kid != "" && !known) || (kid == "" && len(cands) == 0) {
		var ferr error
		if fresh, err := k.refetch(ctx, ix.url, budget); err == nil {
			ix = fresh
		} else {
			ferr = err
			if latest := k.cur.Load(); latest != nil && latest.url == ix.url {
				ix = latest // another caller's fetch may have brought the key
			}
		}
		cands, known = ix.candidates(kid, alg)
		if kid != "" && !known {
			if ferr != nil && !errors.Is(ferr, errRefetchLimited) {
				return invalidCause(ferr, "unknown kid %.64q", kid)
			}
			return invalidf("unknown kid %.64q", kid)
		}
	}
	switch {
	case len(cands) == 0 && kid != "":
		return invalidf("key %.64q cannot verify %s (use, key_ops, type or alg mismatch)", kid, alg)
	case len(cands) == 0:
		return invalidf("token has no kid and no key fits %s", alg)
	case kid == "" && len(cands) > 1:
		return invalidf("token has no kid and %d keys fit %s", len(cands), alg)
	}
	for _, c := range cands {
		if err := c.verify(alg, input, sig); err == nil {
			return nil
		}
	}
	return invalidf("signature verification failed")
}

package oidc

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"
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
	// either header the JWKS is refreshed every MinRefresh.
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
// its discovery document, and refreshed in the background by a jwx
// [jwk.Cache]. It adds what jwk.Cache lacks:
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
//
// Forced fetches are made directly rather than through jwk.Cache.Refresh:
// in jwx v2.1.6 every Refresh schedules one more periodic background fetch
// that never goes away, so forced refreshes would multiply background
// traffic over time.
type KeySet struct {
	deps   keySetDeps
	opts   KeySetOptions
	ctx    context.Context // ends background refresh and in-flight fetches
	cancel context.CancelFunc
	getter *jwksGetter
	cur    atomic.Pointer[keyIndex] // last good set for the registered URL
	sf     singleflight.Group

	mu          sync.Mutex // guards the fields below
	cache       *jwk.Cache // created on first use
	url         string     // the URL registered with cache
	nextForced  time.Time  // earliest next fetch forced by an unknown kid
	nextInitial time.Time  // earliest next attempt while no good set exists
	backoff     time.Duration
	closed      bool
}

// newKeySet returns a KeySet bound to parent; it performs no I/O.
func newKeySet(parent context.Context, deps keySetDeps, opts KeySetOptions) *KeySet {
	ctx, cancel := context.WithCancel(parent)
	k := &KeySet{deps: deps, opts: opts, ctx: ctx, cancel: cancel}
	k.getter = &jwksGetter{
		ctx: ctx, client: deps.client, timeout: deps.timeout, now: deps.now,
		minTTL: opts.MinRefresh, maxTTL: opts.MaxRefresh, onError: k.reportFetch,
	}
	return k
}

// close stops background refreshes and aborts in-flight fetches.
func (k *KeySet) close() {
	k.mu.Lock()
	k.closed = true
	k.mu.Unlock()
	k.cancel()
}

// current returns the good key set for the provider's current jwks_uri,
// fetching it when there is none yet.
func (k *KeySet) current(ctx context.Context) (*keyIndex, error) {
	url, err := k.deps.jwksURL(ctx)
	if err != nil {
		return nil, err
	}
	if ix := k.cur.Load(); ix != nil && ix.url == url {
		return ix, nil
	}
	ix, err := k.refetch(ctx, url)
	if err != nil {
		if errors.Is(err, ErrProviderUnavailable) {
			return nil, err
		}
		return nil, unavailable("jwks", err)
	}
	return ix, nil
}

// refetch fetches url now, unless the rate limit forbids it. Concurrent
// callers share one fetch; a caller whose ctx ends stops waiting, but the
// fetch goes on for the others.
func (k *KeySet) refetch(ctx context.Context, url string) (*keyIndex, error) {
	ch := k.sf.DoChan(url, func() (any, error) { return k.fetch(url) })
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
// exists, a fetch is forced (by an unknown kid) and forced fetches are
// spaced RefetchInterval apart whatever their outcome; the first forced
// fetch may follow the initial one at once (a rotation right after start).
func (k *KeySet) fetch(url string) (*keyIndex, error) {
	now := k.deps.now()
	prev := k.cur.Load()
	forced := prev != nil && prev.url == url
	k.mu.Lock()
	if k.closed {
		k.mu.Unlock()
		return nil, unavailable("jwks", errors.New("key set closed"))
	}
	if (forced && now.Before(k.nextForced)) || (!forced && now.Before(k.nextInitial)) {
		k.mu.Unlock()
		return nil, errRefetchLimited
	}
	if forced {
		k.nextForced = now.Add(k.opts.RefetchInterval)
	}
	first, err := k.registerLocked(url)
	k.mu.Unlock()
	if err != nil {
		return nil, unavailable("jwks", err)
	}

	ctx, cancel := context.WithTimeout(k.ctx, k.deps.timeout)
	defer cancel()
	if first {
		// The cache's first fetch also starts its periodic refresh.
		_, err = k.cache.Get(ctx, url)
	} else {
		err = k.fetchDirect(ctx, url)
	}

	ix := k.cur.Load()
	good := ix != nil && ix.url == url
	if !forced {
		now = k.deps.now()
		k.mu.Lock()
		switch {
		case good:
			k.backoff = 0
		case k.backoff == 0:
			k.backoff = min(time.Second, k.opts.RefetchInterval)
		default:
			k.backoff = min(2*k.backoff, k.opts.RefetchInterval)
		}
		k.nextInitial = now.Add(k.backoff)
		k.mu.Unlock()
	}
	if err != nil {
		k.deps.log.Warn("oidc jwks fetch failed", zap.String("jwks_uri", url), zap.Error(err))
		return nil, unavailable("jwks", err)
	}
	if !good {
		return nil, unavailable("jwks", errors.New("no usable signing keys"))
	}
	return ix, nil
}

// registerLocked makes url the cache's registered URL, creating the cache
// on first use and dropping a previous URL (whose periodic refresh then
// stops). It reports whether url was newly registered. k.mu must be held.
func (k *KeySet) registerLocked(url string) (bool, error) {
	if k.cache == nil {
		window := min(max(k.opts.MinRefresh, time.Second), time.Minute)
		k.cache = jwk.NewCache(k.ctx,
			jwk.WithRefreshWindow(window),
			jwk.WithErrSink(errSinkFunc(func(err error) {
				k.deps.log.Warn("oidc jwks background refresh failed", zap.Error(err))
			})))
	}
	if k.url == url {
		return false, nil
	}
	if k.url != "" {
		_ = k.cache.Unregister(k.url)
	}
	err := k.cache.Register(url,
		jwk.WithHTTPClient(k.getter),
		jwk.WithMinRefreshInterval(k.opts.MinRefresh),
		jwk.WithIgnoreParseError(true),
		jwk.WithPostFetcher(jwk.PostFetchFunc(k.postFetch)),
	)
	if err != nil {
		return false, fmt.Errorf("registering %s: %w", url, err)
	}
	k.url = url
	return true, nil
}

// postFetch runs after every fetch jwk.Cache makes, background ones
// included. Returning an error makes the cache keep its previous set, so a
// set without usable signing keys is refused here; a good one is published.
func (k *KeySet) postFetch(url string, set jwk.Set) (jwk.Set, error) {
	ix, err := buildIndex(url, set)
	k.reportFetch(err)
	if err != nil {
		return nil, err
	}
	k.publish(ix)
	return set, nil
}

// reportFetch tells OnFetch the outcome of one fetch.
func (k *KeySet) reportFetch(err error) {
	if k.opts.OnFetch != nil {
		k.opts.OnFetch(err)
	}
}

// fetchDirect fetches url without jwk.Cache and publishes a good set.
func (k *KeySet) fetchDirect(ctx context.Context, url string) error {
	body, err := k.getter.fetch(ctx, url)
	if err != nil {
		return err // reported by the getter
	}
	set, err := jwk.Parse(body, jwk.WithIgnoreParseError(true))
	if err != nil {
		err = fmt.Errorf("parsing JWK set at %s: %w", url, err)
		k.reportFetch(err)
		return err
	}
	_, err = k.postFetch(url, set)
	return err
}

// publish makes ix the current set if it belongs to the registered URL.
func (k *KeySet) publish(ix *keyIndex) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if ix.url == k.url && !k.closed {
		k.cur.Store(ix)
	}
}

// errSinkFunc adapts a function to jwk.ErrSink.
type errSinkFunc func(error)

// Error implements jwk.ErrSink.
func (f errSinkFunc) Error(err error) { f(err) }

// verify checks sig over input with a key of the current set selected by
// kid and alg. An unknown kid (or, without kid, no key fitting alg) causes
// one rate-limited refetch. A token without kid is accepted only when
// exactly one key of the set fits alg.
func (k *KeySet) verify(ctx context.Context, kid, alg string, input, sig []byte) error {
	ix, err := k.current(ctx)
	if err != nil {
		return err
	}
	cands, known := ix.candidates(kid, alg)
	if (kid != "" && !known) || (kid == "" && len(cands) == 0) {
		var ferr error
		if fresh, err := k.refetch(ctx, ix.url); err == nil {
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

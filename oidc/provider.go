package oidc

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"
	"golang.org/x/sync/singleflight"
)

// Defaults for [ProviderOptions].
const (
	DefaultTimeout          = 10 * time.Second
	DefaultDiscoveryRefresh = 24 * time.Hour
	DefaultRetryMin         = time.Second
	DefaultRetryMax         = time.Minute
)

// ProviderOptions configures a [Provider]. Only Issuer is required.
type ProviderOptions struct {
	// Issuer is the provider's issuer identifier, e.g.
	// "https://kauth.kakao.com". It must be https, or http on a loopback
	// host (localhost, 127.0.0.0/8, ::1), without query or fragment. The
	// discovery document's issuer must equal it byte for byte.
	Issuer string
	// HTTPClient makes every call to the provider. Default: a client on
	// http.DefaultTransport. Its redirect policy is replaced per call.
	HTTPClient *http.Client
	// Timeout bounds each call to the provider (discovery, JWKS, token,
	// userinfo), body included. Default: 10s.
	Timeout time.Duration
	// Logger receives warnings about discovery and JWKS failures. It never
	// receives tokens or secrets. Default: no logging.
	Logger *zap.Logger
	// Now is the clock used for caching, backoff and token validation.
	// Default: time.Now.
	Now func() time.Time
	// DiscoveryRefresh is how old a good discovery document may get before
	// it is refreshed in the background (the old one keeps serving until a
	// refresh succeeds). Default: 24h.
	DiscoveryRefresh time.Duration
	// RetryMin and RetryMax bound the exponential backoff between discovery
	// attempts after a failure: RetryMin, doubling, up to RetryMax.
	// Defaults: 1s and 1m.
	RetryMin, RetryMax time.Duration
	// Keys tunes the JWKS cache.
	Keys KeySetOptions
}

// Provider is an OpenID provider known by its issuer. It discovers the
// provider's metadata lazily and caches it and the provider's signing keys.
// NewProvider performs no network I/O, so a gateway can start while the
// provider is down; the first call that needs metadata fetches it.
// A Provider is safe for concurrent use; Close it when done.
type Provider struct {
	issuer       string
	httpClient   *http.Client // as configured, for token and userinfo calls
	fetchClient  *http.Client // discovery and JWKS: secure redirects only
	timeout      time.Duration
	log          *zap.Logger
	now          func() time.Time
	refreshEvery time.Duration
	retryMin     time.Duration
	retryMax     time.Duration

	ctx    context.Context // ends background work; cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup
	sf     singleflight.Group
	cur    atomic.Pointer[metadataEntry]
	keys   *KeySet

	mu         sync.Mutex // guards the fields below
	failures   int
	nextTry    time.Time
	lastErr    error
	refreshing bool
	closed     bool
}

// metadataEntry is a good discovery document and when it was fetched.
type metadataEntry struct {
	md        *Metadata
	fetchedAt time.Time
}

// NewProvider validates opts and returns a Provider. It performs no network
// I/O.
func NewProvider(opts ProviderOptions) (*Provider, error) {
	u, err := checkSecureURL("issuer", opts.Issuer)
	if err != nil {
		return nil, fmt.Errorf("oidc: %w", err)
	}
	if u.RawQuery != "" || u.ForceQuery {
		return nil, fmt.Errorf("oidc: issuer %q: query is not allowed", opts.Issuer)
	}
	if opts.Keys, err = opts.Keys.withDefaults(); err != nil {
		return nil, err
	}
	p := &Provider{
		issuer:       opts.Issuer,
		httpClient:   opts.HTTPClient,
		timeout:      orDefault(opts.Timeout, DefaultTimeout),
		log:          opts.Logger,
		now:          opts.Now,
		refreshEvery: orDefault(opts.DiscoveryRefresh, DefaultDiscoveryRefresh),
		retryMin:     orDefault(opts.RetryMin, DefaultRetryMin),
		retryMax:     orDefault(opts.RetryMax, DefaultRetryMax),
	}
	if p.retryMax < p.retryMin {
		return nil, fmt.Errorf("oidc: RetryMax (%s) is less than RetryMin (%s)", p.retryMax, p.retryMin)
	}
	if p.httpClient == nil {
		p.httpClient = &http.Client{Transport: http.DefaultTransport}
	}
	p.fetchClient = followSecureRedirects(p.httpClient)
	if p.log == nil {
		p.log = zap.NewNop()
	}
	if p.now == nil {
		p.now = time.Now
	}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	p.keys = newKeySet(p.ctx, keySetDeps{
		jwksURL: func(ctx context.Context) (string, error) {
			md, err := p.Metadata(ctx)
			if err != nil {
				return "", err
			}
			return md.JWKSURI, nil
		},
		client:  p.fetchClient,
		timeout: p.timeout,
		now:     p.now,
		log:     p.log,
	}, opts.Keys)
	return p, nil
}

// Issuer returns the configured issuer identifier.
func (p *Provider) Issuer() string { return p.issuer }

// Keys returns the provider's signing keys, fetched only from the jwks_uri
// in its discovery document.
func (p *Provider) Keys() *KeySet { return p.keys }

// Close stops background refreshes of metadata and keys and waits for them
// to end. Calls after Close fail or serve what is cached.
func (p *Provider) Close() {
	p.mu.Lock()
	already := p.closed
	p.closed = true
	p.mu.Unlock()
	if already {
		return
	}
	p.cancel()
	p.keys.close()
	p.wg.Wait()
}

// Metadata returns the provider's discovery document, fetching it on first
// use. Concurrent callers share one fetch. A good document is cached and
// refreshed in the background once older than DiscoveryRefresh; a failed
// refresh keeps the old one. While no good document exists, a failure is
// returned (wrapping [ErrProviderUnavailable]) and retried no sooner than
// an exponential backoff allows: the error is never kept beyond it.
func (p *Provider) Metadata(ctx context.Context) (*Metadata, error) {
	now := p.now()
	if e := p.cur.Load(); e != nil {
		if now.Sub(e.fetchedAt) >= p.refreshEvery {
			p.refreshInBackground(now)
		}
		return e.md, nil
	}
	p.mu.Lock()
	if now.Before(p.nextTry) {
		err := p.lastErr
		p.mu.Unlock()
		return nil, err
	}
	p.mu.Unlock()
	ch := p.sf.DoChan("discovery", func() (any, error) {
		if e := p.cur.Load(); e != nil {
			return e.md, nil
		}
		return p.discover()
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(*Metadata), nil
	case <-ctx.Done():
		return nil, unavailable("discovery", ctx.Err())
	}
}

// refreshInBackground starts one background refresh unless one is running,
// the backoff after a failed refresh has not passed, or p is closed.
func (p *Provider) refreshInBackground(now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.refreshing || p.closed || now.Before(p.nextTry) {
		return
	}
	p.refreshing = true
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		_, _, _ = p.sf.Do("discovery", func() (any, error) { return p.discover() })
		p.mu.Lock()
		p.refreshing = false
		p.mu.Unlock()
	}()
}

// discover fetches the document once, detached from any caller's context
// (one caller giving up must not fail the others), and records the outcome.
func (p *Provider) discover() (*Metadata, error) {
	ctx, cancel := context.WithTimeout(p.ctx, p.timeout)
	defer cancel()
	md, err := fetchMetadata(ctx, p.fetchClient, p.issuer)
	now := p.now()
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		p.failures++
		delay := p.backoff(p.failures)
		p.nextTry = now.Add(delay)
		p.lastErr = err
		p.log.Warn("oidc discovery failed",
			zap.String("issuer", p.issuer), zap.Int("failures", p.failures),
			zap.Duration("retry_in", delay), zap.Error(err))
		return nil, err
	}
	p.failures = 0
	p.nextTry = time.Time{}
	p.lastErr = nil
	p.cur.Store(&metadataEntry{md: md, fetchedAt: now})
	return md, nil
}

// backoff returns the wait after the n-th consecutive failure.
func (p *Provider) backoff(n int) time.Duration {
	d := p.retryMin
	for i := 1; i < n && d < p.retryMax; i++ {
		d *= 2
	}
	return min(d, p.retryMax)
}

// orDefault returns v, or def when v is not positive.
func orDefault(v, def time.Duration) time.Duration {
	if v <= 0 {
		return def
	}
	return v
}

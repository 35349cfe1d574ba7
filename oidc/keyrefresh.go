package oidc

import (
	"context"
	"errors"
	"time"

	"go.uber.org/zap"
)

// errNotFollowed reports a fetched set that was not published: the key set
// was closed, or the provider's jwks_uri changed while it was fetched.
var errNotFollowed = errors.New("key set closed or jwks_uri changed during the fetch")

// minRefreshWait is the shortest wait between two background fetches,
// whatever MinRefresh says.
const minRefreshWait = time.Second

// followLocked makes url the URL whose keys are published and refreshed in
// the background, ending the refresh of a previous URL. When url is newly
// followed it returns the context of its refresh, which the caller must
// start with [KeySet.refresh]; else nil. k.mu must be held and k not closed.
func (k *KeySet) followLocked(url string) context.Context {
	if k.url == url {
		return nil
	}
	if k.stopRefresh != nil {
		k.stopRefresh()
	}
	ctx, stop := context.WithCancel(k.ctx)
	k.url, k.stopRefresh = url, stop
	k.wg.Add(1)
	return ctx
}

// refresh fetches url again each time the last fetch's lifetime (wait)
// ends, until ctx ends: the provider's jwks_uri changed or the key set was
// closed. It runs on the wall clock; a failure keeps the last good set and
// is retried MinRefresh later.
func (k *KeySet) refresh(ctx context.Context, url string, wait time.Duration) {
	defer k.wg.Done()
	t := time.NewTimer(max(wait, minRefreshWait))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		fctx, cancel := context.WithTimeout(ctx, k.deps.timeout)
		_, next, err := k.load(fctx, url)
		cancel()
		if err != nil && ctx.Err() == nil {
			k.deps.log.Warn("oidc jwks background refresh failed", zap.String("jwks_uri", url), zap.Error(err))
		}
		t.Reset(max(next, minRefreshWait))
	}
}

// load fetches url once, publishes a good set and tells OnFetch the
// outcome. It returns the set and when to fetch it next: its lifetime, or
// MinRefresh after a failure.
func (k *KeySet) load(ctx context.Context, url string) (*keyIndex, time.Duration, error) {
	ix, ttl, err := k.fetcher.fetch(ctx, url)
	if err == nil && !k.publish(ix) {
		err = errNotFollowed
	}
	if k.opts.OnFetch != nil {
		k.opts.OnFetch(err)
	}
	if err != nil {
		return nil, k.opts.MinRefresh, err
	}
	return ix, ttl, nil
}

// publish makes ix the current set if it belongs to the followed URL and
// reports whether it did.
func (k *KeySet) publish(ix *keyIndex) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	if ix.url != k.url || k.closed {
		return false
	}
	k.cur.Store(ix)
	return true
}

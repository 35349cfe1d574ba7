package oidc

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"
)

// jwksFetcher makes one JWKS fetch: a GET of the jwks_uri through the
// provider's redirect-checking client, its body capped at 1 MiB, parsed by
// jwx and indexed, with the lifetime its caching headers give it.
type jwksFetcher struct {
	client         *http.Client
	now            func() time.Time
	minTTL, maxTTL time.Duration
}

// fetch GETs the JWK Set at url and returns its usable signing keys and how
// long they may be kept before the next refresh: Cache-Control max-age (or
// Expires) clamped to [minTTL, maxTTL]. A set without a usable signing key
// is an error, so that it never replaces a good one. ctx bounds the call.
func (f *jwksFetcher) fetch(ctx context.Context, url string) (*keyIndex, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Accept", "application/json, application/jwk-set+json")
	res, err := f.client.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, 0, fmt.Errorf("GET %s: status %d", url, res.StatusCode)
	}
	body, err := readCapped(res.Body, maxJWKSBody)
	if err != nil {
		return nil, 0, fmt.Errorf("GET %s: %w", url, err)
	}
	if err := checkSetShape(body); err != nil {
		return nil, 0, fmt.Errorf("GET %s: %w", url, err)
	}
	set, err := jwk.Parse(body, jwk.WithIgnoreParseError(true))
	if err != nil {
		return nil, 0, fmt.Errorf("parsing JWK set at %s: %w", url, err)
	}
	ix, err := buildIndex(url, set)
	if err != nil {
		return nil, 0, err
	}
	ttl := min(max(cacheTTL(res.Header, f.now()), f.minTTL), f.maxTTL)
	return ix, ttl, nil
}

// checkSetShape checks that body is a JSON object with a keys array: jwx
// would also accept a lone JWK as a set of one.
func checkSetShape(body []byte) error {
	if t := bytes.TrimLeft(body, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return fmt.Errorf("%w: not a JSON object", ErrInvalidResponse)
	}
	var shape struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &shape); err != nil || shape.Keys == nil {
		return fmt.Errorf("%w: not a JWK Set", ErrInvalidResponse)
	}
	return nil
}

// cacheTTL reads the freshness lifetime from Cache-Control max-age (or
// Expires). no-store and no-cache count as zero; no header counts as zero,
// which the caller raises to its minimum.
func cacheTTL(h http.Header, now time.Time) time.Duration {
	if cc := h.Get("Cache-Control"); cc != "" {
		for _, d := range strings.Split(cc, ",") {
			d = strings.ToLower(strings.TrimSpace(d))
			if d == "no-store" || d == "no-cache" {
				return 0
			}
			if v, ok := strings.CutPrefix(d, "max-age="); ok {
				n, err := strconv.ParseInt(strings.Trim(v, `"`), 10, 64)
				if err != nil || n < 0 {
					return 0
				}
				return time.Duration(min(n, int64(100*365*24*3600))) * time.Second
			}
		}
	}
	if e := h.Get("Expires"); e != "" {
		if t, err := http.ParseTime(e); err == nil && t.After(now) {
			return t.Sub(now)
		}
	}
	return 0
}

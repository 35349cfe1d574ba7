package oidc

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// jwksGetter is the HTTP client given to jwk.Cache (it satisfies
// jwk.HTTPClient) and used for direct fetches. jwk.Cache reads bodies
// without a limit, does not close them, and calls Get without a context;
// jwksGetter reads the whole body itself under a cap and a timeout, checks
// that it is a JWK Set, and hands the cache an in-memory copy.
type jwksGetter struct {
	ctx            context.Context // the KeySet's: cancelled by Close
	client         *http.Client
	timeout        time.Duration
	now            func() time.Time
	minTTL, maxTTL time.Duration
	onError        func(error) // told about every fetch that fails here
}

// Get implements jwk.HTTPClient. Any failure is returned as an error so
// that jwk.Cache keeps its previous set.
func (g *jwksGetter) Get(url string) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(g.ctx, g.timeout)
	defer cancel()
	body, hdr, err := g.get(ctx, url)
	if err != nil {
		return nil, err
	}
	return &http.Response{
		Status:        "200 OK",
		StatusCode:    http.StatusOK,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        hdr,
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
	}, nil
}

// fetch returns the checked body of the JWK Set at url.
func (g *jwksGetter) fetch(ctx context.Context, url string) ([]byte, error) {
	body, _, err := g.get(ctx, url)
	return body, err
}

// get GETs url and returns its body and a header whose only caching
// directive is a max-age clamped to [minTTL, maxTTL].
func (g *jwksGetter) get(ctx context.Context, url string) ([]byte, http.Header, error) {
	body, hdr, err := g.getChecked(ctx, url)
	if err != nil && g.onError != nil {
		g.onError(err)
	}
	return body, hdr, err
}

// getChecked is get without the error report.
func (g *jwksGetter) getChecked(ctx context.Context, url string) ([]byte, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Accept", "application/json, application/jwk-set+json")
	res, err := g.client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("GET %s: status %d", url, res.StatusCode)
	}
	body, err := readCapped(res.Body, maxJWKSBody)
	if err != nil {
		return nil, nil, fmt.Errorf("GET %s: %w", url, err)
	}
	var shape struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if t := bytes.TrimLeft(body, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return nil, nil, fmt.Errorf("GET %s: %w: not a JSON object", url, ErrInvalidResponse)
	}
	if err := json.Unmarshal(body, &shape); err != nil || shape.Keys == nil {
		return nil, nil, fmt.Errorf("GET %s: %w: not a JWK Set", url, ErrInvalidResponse)
	}
	ttl := cacheTTL(res.Header, g.now())
	ttl = min(max(ttl, g.minTTL), g.maxTTL)
	hdr := http.Header{}
	hdr.Set("Cache-Control", "max-age="+strconv.FormatInt(int64(ttl/time.Second), 10))
	return body, hdr, nil
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

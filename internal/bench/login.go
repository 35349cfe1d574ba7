package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kakaogate/kakaogate/kakaotest"
)

// loginUsers is how many generated users the login scenario rotates through: with the
// default 8 workers, each user gets a dozen or so sessions over a whole run, like a person
// with a few devices, never the thousands one user would pile up.
const loginUsers = 1024

// browser is a cookie-keeping HTTP client that navigates like a browser.
type browser struct {
	client *http.Client
	jar    *cookiejar.Jar
}

func newBrowser(tr http.RoundTripper) *browser {
	if tr == nil {
		tr = http.DefaultTransport
	}
	jar, _ := cookiejar.New(nil)
	return &browser{jar: jar, client: &http.Client{Jar: jar, Timeout: 15 * time.Second, Transport: navigation{tr}}}
}

// cookie returns the value of the cookie name the browser holds for base.
func (b *browser) cookie(base, name string) (string, bool) {
	u, _ := url.Parse(base + "/")
	for _, c := range b.jar.Cookies(u) {
		if c.Name == name {
			return c.Value, true
		}
	}
	return "", false
}

// navigation marks every request as a top-level browser navigation.
type navigation struct{ next http.RoundTripper }

func (n navigation) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Accept", "text/html,application/xhtml+xml")
	r.Header.Set("Sec-Fetch-Mode", "navigate")
	return n.next.RoundTrip(r)
}

// loginLoad runs full logins against the Redis gateway: each worker owns browsers that are
// signed in at the emulator (a Kakao Account session, consent given), drops the gateway's
// session cookie and opens a page, which goes page → authorize → callback (code exchange,
// ID token verification, user API call, session write) → the page.
type loginLoad struct {
	base    string
	workers [][]*browser
}

func newLoginLoad(ctx context.Context, l *lab) (*loginLoad, error) {
	tr := &http.Transport{MaxIdleConnsPerHost: 256, DisableCompression: true, IdleConnTimeout: time.Minute}
	ld := &loginLoad{base: l.host("redis")}
	workers := min(l.loginWorkers, loginUsers)
	ld.workers = make([][]*browser, workers)
	for i := range loginUsers {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		b := newBrowser(tr)
		resp, err := kakaotest.Login(b.client, ld.base+"/", int64(2001+i))
		if err != nil {
			return nil, fmt.Errorf("signing browser %d in: %w", i, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		ld.workers[i%workers] = append(ld.workers[i%workers], b)
	}
	return ld, nil
}

// run runs logins for d and returns the sample (latency of whole logins).
func (ld *loginLoad) run(ctx context.Context, d time.Duration) (sample, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var (
		mu        sync.Mutex
		latencies []time.Duration
		failures  atomic.Int64
		firstErr  atomic.Value
		wg        sync.WaitGroup
	)
	gw, _ := url.Parse(ld.base + "/")
	start := time.Now()
	for w, browsers := range ld.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for i := 0; ctx.Err() == nil; i++ {
				b := browsers[i%len(browsers)]
				b.jar.SetCookies(gw, []*http.Cookie{{Name: sessionCookie, Value: "x", Path: "/", MaxAge: -1}})
				t0 := time.Now()
				err := ld.once(ctx, b, fmt.Sprintf("/app/%d/%d", w, i))
				if ctx.Err() != nil {
					break // cut off by the end of the run: not counted
				}
				if err != nil {
					failures.Add(1)
					firstErr.CompareAndSwap(nil, err)
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			latencies = append(latencies, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	s := sample{requests: int64(len(latencies)), rps: float64(len(latencies)) / elapsed.Seconds(), errors: failures.Load()}
	s.p50, s.p99 = percentile(latencies, 0.50), percentile(latencies, 0.99)
	if err, ok := firstErr.Load().(error); ok && s.errors > s.requests/100 {
		return s, fmt.Errorf("%d of %d logins failed; first: %w", s.errors, s.errors+s.requests, err)
	}
	return s, nil
}

// once performs one login by opening path without a session.
func (ld *loginLoad) once(ctx context.Context, b *browser, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ld.base+path, nil)
	if err != nil {
		return err
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != path || string(body) != upstreamBody {
		return fmt.Errorf("%w: login ended at %s with %d: %.200s", errStatus, resp.Request.URL, resp.StatusCode, body)
	}
	return nil
}

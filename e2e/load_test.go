package e2e

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// loadTarget is one kind of request the background load sends.
type loadTarget struct {
	name    string // e.g. "protected", "public"
	url     string
	headers []string // "Name: value"
}

// loadResult is one answered (or failed) request of the load.
type loadResult struct {
	target  string
	start   time.Time
	took    time.Duration
	status  int // 0 when the request failed
	errText string
}

// load is a bounded background load: workers send the targets in turn, each pausing between
// requests, until stop or until maxRequests have been sent.
type load struct {
	mu      sync.Mutex
	results []loadResult
	done    chan struct{}
	wg      sync.WaitGroup
	stopped bool
}

const (
	loadPause       = 20 * time.Millisecond // between two requests of one worker
	loadMaxRequests = 20000                 // a hard bound whatever happens
)

// startLoad starts workers sending targets in turn; the load stops with stop or at the end
// of the test.
func startLoad(t *testing.T, workers int, targets ...loadTarget) *load {
	l := &load{done: make(chan struct{})}
	client := &http.Client{Timeout: 10 * time.Second}
	for w := range workers {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for i := w; ; i++ {
				select {
				case <-l.done:
					return
				default:
				}
				if !l.record(l.send(client, targets[i%len(targets)])) {
					return
				}
				time.Sleep(loadPause)
			}
		}()
	}
	t.Cleanup(l.stop)
	return l
}

func (l *load) send(client *http.Client, tg loadTarget) loadResult {
	res := loadResult{target: tg.name, start: time.Now()}
	req, err := http.NewRequest(http.MethodGet, tg.url, nil)
	if err != nil {
		res.errText = err.Error()
		return res
	}
	for _, h := range tg.headers {
		name, value, _ := strings.Cut(h, ":")
		req.Header.Add(strings.TrimSpace(name), strings.TrimSpace(value))
	}
	resp, err := client.Do(req)
	res.took = time.Since(res.start)
	if err != nil {
		res.errText = err.Error()
		return res
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	res.status = resp.StatusCode
	return res
}

// record keeps r and reports whether the load may go on.
func (l *load) record(r loadResult) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.results = append(l.results, r)
	return len(l.results) < loadMaxRequests
}

// stop ends the load and waits for the workers.
func (l *load) stop() {
	l.mu.Lock()
	if !l.stopped {
		l.stopped = true
		close(l.done)
	}
	l.mu.Unlock()
	l.wg.Wait()
}

// between returns the results of target whose request started in [from, to).
func (l *load) between(target string, from, to time.Time) []loadResult {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []loadResult
	for _, r := range l.results {
		if r.target == target && !r.start.Before(from) && r.start.Before(to) {
			out = append(out, r)
		}
	}
	return out
}

// all returns every result so far.
func (l *load) all() []loadResult {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]loadResult(nil), l.results...)
}

// statuses counts the statuses of rs (0 for failed requests).
func statuses(rs []loadResult) map[int]int {
	m := map[int]int{}
	for _, r := range rs {
		m[r.status]++
	}
	return m
}

// readAll reads and closes resp's body.
func readAll(resp *http.Response) string {
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return string(b)
}

// Package testclock gives tests a clock they move by hand, safe for concurrent use: the
// packages under test take a Now func, and a test passes the clock's Now and advances it
// instead of sleeping.
package testclock

import (
	"sync"
	"time"
)

// Clock is a time source that stands still until Add moves it. Shifted clocks follow the
// wall clock and Add moves them ahead of it.
type Clock struct {
	mu      sync.Mutex
	t       time.Time // a still clock's time
	offset  time.Duration
	shifted bool
}

// New returns a clock standing at start.
func New(start time.Time) *Clock { return &Clock{t: start} }

// Shifted returns a clock that reads the wall clock plus the total it was advanced by: for
// tests whose other parts (a provider, a browser) keep real time.
func Shifted() *Clock { return &Clock{shifted: true} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.shifted {
		return time.Now().Add(c.offset)
	}
	return c.t
}

// Add moves the clock d ahead.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	c.offset += d
}

package gateway

import "time"

// The bearer tests reach the harness's clock only through these two, so a change of the
// harness's clock type touches this file alone.

// clockNow is the gateway's clock.
func (h *harness) clockNow() time.Time { return h.clock.Now() }

// advanceClock moves the gateway's clock forward.
func (h *harness) advanceClock(d time.Duration) { h.clock.Add(d) }

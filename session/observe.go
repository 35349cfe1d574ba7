package session

import (
	"errors"
	"time"
)

// Store operations as named to an Observer.
const (
	OpPut        = "put"
	OpReplace    = "replace"
	OpGet        = "get"
	OpTouch      = "touch"
	OpDelete     = "delete"
	OpDeleteUser = "delete_user"
	OpPing       = "ping"
)

// Observer is told about every call a Manager makes to its Store
// (ManagerOptions.Observer): the operation (one of the Op* constants), how long
// it took and its error. ErrNotFound is reported as nil: a missing session is
// an answer, not a store failure. A session served from the Manager's cache is
// no store call and is not reported. It must be fast and safe for concurrent
// use.
type Observer func(op string, took time.Duration, err error)

// begin returns the start of a store call, or the zero time when nothing
// observes the Manager.
func (m *Manager) begin() time.Time {
	if m.observer == nil {
		return time.Time{}
	}
	return time.Now()
}

// observed reports the store call op, begun at start, with its result err to
// the Observer, and returns err.
func (m *Manager) observed(op string, start time.Time, err error) error {
	if m.observer != nil {
		reported := err
		if errors.Is(err, ErrNotFound) {
			reported = nil
		}
		m.observer(op, time.Since(start), reported)
	}
	return err
}

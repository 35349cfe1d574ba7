package testclock

import (
	"testing"
	"time"
)

func TestClock(t *testing.T) {
	start := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name  string
		clock *Clock
		check func(before, after time.Time) bool
	}{
		{"still clock moves only by Add", New(start), func(before, after time.Time) bool {
			return before.Equal(start) && after.Equal(start.Add(time.Hour))
		}},
		{"shifted clock runs an hour ahead of the wall clock", Shifted(), func(before, after time.Time) bool {
			now := time.Now()
			return !before.After(now) && after.Sub(now) > 59*time.Minute && after.Sub(now) <= time.Hour
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := tt.clock.Now()
			tt.clock.Add(time.Hour)
			if after := tt.clock.Now(); !tt.check(before, after) {
				t.Fatalf("before %v, after Add(1h) %v", before, after)
			}
		})
	}
}

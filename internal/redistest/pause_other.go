//go:build !unix

package redistest

import "os"

// pauseSignal and resumeSignal are unavailable here: Pause skips the test.
var pauseSignal, resumeSignal os.Signal

//go:build unix

package redistest

import (
	"os"
	"syscall"
)

// pauseSignal and resumeSignal freeze and thaw a process, as a stalled VM or a long
// fork would.
var pauseSignal, resumeSignal os.Signal = syscall.SIGSTOP, syscall.SIGCONT

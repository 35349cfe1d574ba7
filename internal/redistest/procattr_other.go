//go:build !linux

package redistest

import "os/exec"

// setProcAttr does nothing where the parent-death signal is unavailable.
func setProcAttr(*exec.Cmd) {}

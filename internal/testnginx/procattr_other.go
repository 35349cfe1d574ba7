//go:build !linux

package testnginx

import "os/exec"

func setProcAttr(*exec.Cmd) {}

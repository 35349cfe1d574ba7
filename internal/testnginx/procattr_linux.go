package testnginx

import (
	"os/exec"
	"syscall"
)

// setProcAttr makes the kernel kill nginx if the test binary dies before its cleanup runs.
func setProcAttr(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

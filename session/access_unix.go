//go:build unix

package session

import "syscall"

// Permission bits of access(2): W_OK and X_OK, the same on every Unix.
const (
	accessW = 0x2
	accessX = 0x1
)

// accessWrite reports whether the process may create files in the directory
// dir (write and search permission), without writing anything.
func accessWrite(dir string) error {
	return syscall.Access(dir, accessW|accessX)
}

package testnginx

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// RequireEnv is the environment variable that turns a missing nginx into a failure.
const RequireEnv = "KAKAOGATE_REQUIRE_NGINX"

const installTimeout = 10 * time.Minute

// policyRCD is Debian's hook that invoke-rc.d asks before starting a service: answering 101
// ("action forbidden") keeps the package's nginx service from starting during the install.
const policyRCD = "/usr/sbin/policy-rc.d"

// installOnce makes a test binary try the package install at most once; the lock file
// serializes the test binaries `go test ./...` runs in parallel.
var (
	installOnce sync.Once
	installErr  error
)

// lookup returns the path of nginx, installing it when missing and permitted; else it skips
// the test (or fails it, under RequireEnv=1).
func lookup(t testing.TB) string {
	t.Helper()
	if bin, err := find(); err == nil {
		return bin
	}
	installOnce.Do(func() { installErr = install() })
	bin, err := find()
	if err == nil {
		return bin
	}
	msg := fmt.Sprintf("\n\n*** testnginx: nginx is not available, so this test cannot run against a real nginx. ***\n"+
		"*** Install it (Debian/Ubuntu: apt-get install nginx) or put it on PATH. ***\n"+
		"*** lookup: %v; install: %v ***\n", err, installErr)
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("%s*** %s=1, so this is a failure. ***", msg, RequireEnv)
	}
	t.Skipf("%s*** Skipping; set %s=1 to make this a failure. ***", msg, RequireEnv)
	return ""
}

// find looks for nginx on PATH and where Debian puts it.
func find() (string, error) {
	if bin, err := exec.LookPath("nginx"); err == nil {
		return bin, nil
	}
	for _, bin := range []string{"/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx"} {
		if fi, err := os.Stat(bin); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return bin, nil
		}
	}
	return "", exec.ErrNotFound
}

// install runs apt-get update and apt-get install nginx as root only, with a policy-rc.d
// that keeps the service from starting, holding a lock file so concurrent test binaries
// install once.
func install() error {
	if os.Geteuid() != 0 {
		return errors.New("not root, not installing")
	}
	aptGet, err := exec.LookPath("apt-get")
	if err != nil {
		return errors.New("no apt-get, not installing")
	}
	unlock, err := lockFile(filepath.Join(os.TempDir(), "kakaogate-testnginx-install.lock"))
	if err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	defer unlock()
	if _, err := find(); err == nil {
		return nil // another test binary installed it while we waited
	}
	restore, err := forbidServiceStarts()
	if err != nil {
		return err
	}
	defer restore()
	ctx, cancel := context.WithTimeout(context.Background(), installTimeout)
	defer cancel()
	for _, args := range [][]string{{"update"}, {"install", "-y", "--no-install-recommends", "nginx"}} {
		cmd := exec.CommandContext(ctx, aptGet, args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("apt-get %s: %w\n%s", args[0], err, tail(out))
		}
	}
	return nil
}

// forbidServiceStarts installs a policy-rc.d answering 101 and returns what puts back the
// one that was there before (or removes ours).
func forbidServiceStarts() (restore func(), err error) {
	old, readErr := os.ReadFile(policyRCD)
	info, statErr := os.Stat(policyRCD)
	if err := os.WriteFile(policyRCD, []byte("#!/bin/sh\n# kakaogate testnginx: no service starts during the install\nexit 101\n"), 0o755); err != nil {
		return nil, fmt.Errorf("writing %s: %w", policyRCD, err)
	}
	if err := os.Chmod(policyRCD, 0o755); err != nil {
		return nil, fmt.Errorf("chmod %s: %w", policyRCD, err)
	}
	return func() {
		if readErr == nil && statErr == nil {
			_ = os.WriteFile(policyRCD, old, info.Mode().Perm())
			return
		}
		_ = os.Remove(policyRCD)
	}, nil
}

// lockFile takes an exclusive flock on path, waiting for other holders.
func lockFile(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

// tail returns the end of long command output.
func tail(b []byte) []byte {
	const n = 2000
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

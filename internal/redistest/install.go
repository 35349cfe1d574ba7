package redistest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

const installTimeout = 10 * time.Minute

// installOnce makes a test binary try the package install at most once; the
// lock file serializes the binaries `go test ./...` runs in parallel.
var (
	installOnce sync.Once
	installErr  error
)

// lookup returns the path of redis-server, installing it when missing and
// permitted; else it skips the test (or fails it, under RequireEnv=1).
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
	msg := fmt.Sprintf("\n\n*** redistest: redis-server is not available, so this test cannot run against a real Redis. ***\n"+
		"*** Install it (Debian/Ubuntu: apt-get install redis-server) or put it on PATH. ***\n"+
		"*** lookup: %v; install: %v ***\n", err, installErr)
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("%s*** %s=1, so this is a failure. ***", msg, RequireEnv)
	}
	t.Skipf("%s*** Skipping; set %s=1 to make this a failure. ***", msg, RequireEnv)
	return ""
}

// find looks for redis-server on PATH and where Debian puts it.
func find() (string, error) {
	if bin, err := exec.LookPath("redis-server"); err == nil {
		return bin, nil
	}
	for _, bin := range []string{"/usr/bin/redis-server", "/usr/sbin/redis-server", "/usr/local/bin/redis-server"} {
		if fi, err := os.Stat(bin); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return bin, nil
		}
	}
	return "", exec.ErrNotFound
}

// install runs apt-get update and apt-get install -y redis-server, as root
// only, holding a lock file so concurrent test binaries install once.
func install() error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("not root, not installing")
	}
	aptGet, err := exec.LookPath("apt-get")
	if err != nil {
		return fmt.Errorf("no apt-get, not installing")
	}
	unlock, err := lockFile(filepath.Join(os.TempDir(), "kakaogate-redistest-install.lock"))
	if err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	defer unlock()
	if _, err := find(); err == nil {
		return nil // another test binary installed it while we waited
	}
	ctx, cancel := context.WithTimeout(context.Background(), installTimeout)
	defer cancel()
	for _, args := range [][]string{{"update"}, {"install", "-y", "--no-install-recommends", "redis-server"}} {
		cmd := exec.CommandContext(ctx, aptGet, args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("apt-get %s: %w\n%s", args[0], err, tail(out))
		}
	}
	return nil
}

// tail returns the end of long command output.
func tail(b []byte) []byte {
	const n = 2000
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// Package e2e tests kakaogate end to end through the real Caddyfile path: the Caddy binary
// built from ./cmd/caddy runs as its own process on free loopback ports, in front of a
// recording upstream, against the Kakao emulator, with sessions in memory or a throwaway Redis.
package e2e

import (
	"fmt"
	"os"
	"testing"

	"github.com/kakaogate/kakaogate/internal/testcaddy"
)

// caddyBin is the Caddy binary under test, built once by TestMain.
var caddyBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "kakaogate-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	caddyBin, err = testcaddy.Build(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

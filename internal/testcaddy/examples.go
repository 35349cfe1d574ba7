package testcaddy

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// ExampleOnFreePorts reads the example Caddyfile at path and moves its fixed ports (the
// gateway's first) to free loopback ports; it returns the Caddyfile and the gateway's port.
func ExampleOnFreePorts(t testing.TB, path string, ports ...string) (string, int) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var pairs []string
	free := make([]int, len(ports))
	for i, p := range ports {
		free[i] = FreePort(t)
		from, to := ":"+p, fmt.Sprintf(":%d", free[i])
		if p == "2019" {
			from, to = "localhost:2019", fmt.Sprintf("127.0.0.1:%d", free[i])
		}
		pairs = append(pairs, from, to)
	}
	cf := strings.NewReplacer(pairs...).Replace(string(raw))
	if !strings.Contains(cf, "\tadmin ") { // Caddy's default admin port is shared by every test
		cf = strings.Replace(cf, "{\n", fmt.Sprintf("{\n\tadmin 127.0.0.1:%d\n", FreePort(t)), 1)
	}
	for _, fixed := range ports {
		if strings.Contains(cf, ":"+fixed) {
			t.Fatalf("%s uses port %s somewhere the test did not expect", path, fixed)
		}
	}
	return cf, free[0]
}

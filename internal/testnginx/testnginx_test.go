package testnginx

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/kakaogate/kakaogate/internal/testcaddy"
)

// TestStartServesAndStops: the configuration the test writes is served on its port, and
// the process is gone after Stop.
func TestStartServesAndStops(t *testing.T) {
	port := testcaddy.FreePort(t)
	s := Start(t, port, fmt.Sprintf("server {\n\tlisten 127.0.0.1:%d;\n\tlocation / { return 200 \"hello from nginx\"; }\n}", port))
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/", port))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "hello from nginx") {
		t.Fatalf("nginx answered %d %q", resp.StatusCode, body)
	}
	s.Stop()
	if _, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/", port)); err == nil {
		t.Fatal("nginx still answers after Stop")
	}
}

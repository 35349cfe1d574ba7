package e2e

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/kakaogate/kakaogate/internal/testcaddy"
)

// TestExampleCaddyfilesValidate runs `caddy validate` on every Caddyfile under examples/ and
// on Caddyfile.example, with their environment variables set: the documented configurations
// must be accepted as written (validation is offline, so their hosts need not exist).
func TestExampleCaddyfilesValidate(t *testing.T) {
	env := map[string]string{
		"KAKAO_REST_API_KEY": "rest-api-key", "KAKAO_CLIENT_SECRET": "client-secret",
		"KAKAOGATE_SECRET": testSecret, "GOOGLE_CLIENT_ID": "google-id", "GOOGLE_CLIENT_SECRET": "google-secret",
		"KEYCLOAK_CLIENT_SECRET": "keycloak-secret", "REDIS_PASSWORD": "redis-password",
		"REDIS_URL": "redis://:redis-password@127.0.0.1:6379/0",
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
	files, err := filepath.Glob("../examples/*/Caddyfile")
	if err != nil || len(files) < 4 {
		t.Fatalf("example Caddyfiles: %v %v", files, err)
	}
	files = append(files, "../Caddyfile.example")
	for _, f := range files {
		t.Run(strings.TrimPrefix(f, "../"), func(t *testing.T) {
			out, err := testcaddy.Run(caddyBin, "validate", "--config", f, "--adapter", "caddyfile")
			if err != nil {
				t.Fatalf("caddy validate %s: %v\n%s", f, err, out)
			}
		})
	}
}

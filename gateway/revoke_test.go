package gateway

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/kakaotest"
	"github.com/kakaogate/kakaogate/session"
)

// deletesFail is a session store whose DeleteUser fails, as Redis does while it is away,
// while sessions still load (the moment it comes back, before the queue drained).
type deletesFail struct{ session.Store }

func (deletesFail) DeleteUser(context.Context, string) (int, error) {
	return 0, errors.New("store down")
}

// TestCase_gw_rev_03_UnjournaledRevocationAnswers503: with the store failing, an admin
// revocation and the unlink webhook are acknowledged (202, 200) only once the revocation is in
// the journal, and the user's session is refused at once; when the journal cannot be written
// they answer 503, never 200 or 202, and no session is vouched for (503).
func TestCase_gw_rev_03_UnjournaledRevocationAnswers503(t *testing.T) {
	const adminToken = "gateway-admin-token-0123456789-abcdefgh"
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name                  string
		dir                   string
		admin, hook, sessions int
	}{
		{"journal written", t.TempDir(), http.StatusAccepted, http.StatusOK, http.StatusUnauthorized},
		{"journal cannot be written", filepath.Join(file, "kakaogate"), http.StatusServiceUnavailable, http.StatusServiceUnavailable, http.StatusServiceUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := session.NewMemoryStore(session.MemoryOptions{})
			t.Cleanup(func() { _ = mem.Close() })
			journal := session.NewJournal(tt.dir, "gateway-test")
			t.Cleanup(func() { _ = journal.Close() })
			h := newHarness(t, harnessOptions{
				store: deletesFail{mem},
				configure: func(c *config.Config) {
					c.AdminToken, c.AdminKey, c.AppID = adminToken, kakaotest.DefaultAdminKey, kakaotest.DefaultAppID
				},
				revoker: func(m *session.Manager) *session.Revoker {
					return session.NewRevoker(m, session.RevokerOptions{Journal: journal})
				},
			})
			c := h.browser()
			h.login(c, "/", 1001)
			before := h.up.count()
			admin := h.do(&http.Client{}, http.MethodPost, "/.auth/admin/revoke?user_id=1001", nil, "Authorization: Bearer "+adminToken)
			if admin.StatusCode != tt.admin {
				t.Errorf("admin revocation: %d, want %d", admin.StatusCode, tt.admin)
			}
			hook := h.postForm(&http.Client{}, "/.auth/webhook/unlink", url.Values{"app_id": {kakaotest.DefaultAppID}, "user_id": {"1001"}},
				"Authorization: KakaoAK "+kakaotest.DefaultAdminKey)
			if hook.StatusCode != tt.hook {
				t.Errorf("unlink webhook: %d, want %d", hook.StatusCode, tt.hook)
			}
			if got := h.get(c, "/private", "Accept: application/json"); got.StatusCode != tt.sessions {
				t.Errorf("the user's session afterwards: %d, want %d", got.StatusCode, tt.sessions)
			}
			ready := h.get(&http.Client{}, "/.auth/readyz")
			if wantReady := tt.sessions != http.StatusServiceUnavailable; (ready.StatusCode == http.StatusOK) != wantReady {
				t.Errorf("readyz: %d, want ready %v (the journal check)", ready.StatusCode, wantReady)
			}
			if h.up.count() != before {
				t.Errorf("the upstream saw %d requests after the revocation, want none", h.up.count()-before)
			}
		})
	}
}

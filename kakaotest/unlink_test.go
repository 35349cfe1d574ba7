package kakaotest

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
)

// hook is an unlink webhook receiver that records what it gets.
type hook struct {
	mu     sync.Mutex
	got    []hookCall
	status int
}

// hookCall is one received webhook.
type hookCall struct {
	method, auth string
	params       url.Values
}

// newHook starts a receiver answering status.
func newHook(t *testing.T, status int) (*hook, *httptest.Server) {
	h := &hook{status: status}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Errorf("webhook form: %v", err)
		}
		h.mu.Lock()
		h.got = append(h.got, hookCall{method: r.Method, auth: r.Header.Get("Authorization"), params: r.Form})
		h.mu.Unlock()
		w.WriteHeader(h.status)
	}))
	t.Cleanup(srv.Close)
	return h, srv
}

// calls returns the received webhooks.
func (h *hook) calls() []hookCall {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]hookCall(nil), h.got...)
}

func TestUnlinkSendsWebhook(t *testing.T) {
	tests := []struct {
		name   string
		method string
		viaAPI bool // POST /emulator/unlink instead of the Go hook
	}{
		{"POST webhook from the Go hook", http.MethodPost, false},
		{"GET webhook from the Go hook", http.MethodGet, false},
		{"POST webhook from /emulator/unlink", http.MethodPost, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, recv := newHook(t, http.StatusOK)
			srv := newEmu(t, func(o *Options) { o.WebhookURL = recv.URL + "/.auth/webhook/unlink"; o.WebhookMethod = tt.method })
			tok := tokens(t, srv, 1001, nil)
			if tt.viaAPI {
				if status, body := postForm(t, srv, "/emulator/unlink?user_id=1001", nil, ""); status != 200 {
					t.Fatalf("emulator unlink: %d %v", status, body)
				}
			} else if err := srv.Unlink(t.Context(), 1001); err != nil {
				t.Fatal(err)
			}
			calls := h.calls()
			if len(calls) != 1 {
				t.Fatalf("%d webhooks, want 1", len(calls))
			}
			c := calls[0]
			want := url.Values{"app_id": {"100001"}, "user_id": {"1001"}, "referrer_type": {"UNLINK_FROM_APPS"}}
			if c.method != tt.method || c.auth != "KakaoAK "+DefaultAdminKey || c.params.Encode() != want.Encode() {
				t.Fatalf("webhook %s %q %v", c.method, c.auth, c.params)
			}
			if srv.Linked(1001) || len(srv.AgreedScopes(1001)) != 0 {
				t.Fatal("user still linked or consented")
			}
			if status, _ := getJSON(t, srv, "/v2/user/me", "Bearer "+str(tok, "access_token")); status != 401 {
				t.Fatalf("access token after unlink: %d", status)
			}
			if status, body := refreshWith(t, srv, str(tok, "refresh_token")); status != 400 || str(body, "error_code") != "KOE322" {
				t.Fatalf("refresh after unlink: %d %v", status, body)
			}
		})
	}
}

func TestAppUnlinkSendsNoWebhook(t *testing.T) {
	h, recv := newHook(t, http.StatusOK)
	srv := newEmu(t, func(o *Options) { o.WebhookURL = recv.URL })
	at := "Bearer " + str(tokens(t, srv, 1001, nil), "access_token")
	if status, body := postForm(t, srv, "/v1/user/unlink", nil, at); status != 200 || num(body, "id") != 1001 {
		t.Fatalf("unlink: %d %v", status, body)
	}
	if n := len(h.calls()); n != 0 {
		t.Fatalf("%d webhooks after the app's own unlink", n)
	}
	if srv.Linked(1001) {
		t.Fatal("still linked")
	}
	// The next login asks for consent again.
	c := browser(t, "")
	page, err := c.Get(authorizeURL(srv, nil))
	if err != nil {
		t.Fatal(err)
	}
	consent, err := SubmitForm(c, page, "user", "1001")
	if err != nil {
		t.Fatal(err)
	}
	forms, err := pageForms(consent)
	if err != nil || !hasButtonNamed(forms, "consent") {
		t.Fatalf("no consent page after unlink (%v)", err)
	}
}

func TestUnlinkErrors(t *testing.T) {
	_, failing := newHook(t, http.StatusInternalServerError)
	tests := []struct {
		name    string
		opts    func(*Options)
		user    int64
		link    bool
		want    error
		unlinks bool
	}{
		{"unknown user", nil, 9999, false, ErrUnknownUser, false},
		{"user not linked", nil, 1002, false, ErrNotLinked, false},
		{"receiver error is reported, user unlinked anyway", func(o *Options) { o.WebhookURL = failing.URL }, 1001, true, ErrWebhookStatus, true},
		{"non-loopback receiver is refused", func(o *Options) { o.WebhookURL = "http://192.0.2.1/hook" }, 1001, true, errNotLoopback, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newEmu(t, tt.opts)
			if tt.link {
				if err := srv.Link(tt.user); err != nil {
					t.Fatal(err)
				}
			}
			err := srv.Unlink(context.Background(), tt.user)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if tt.unlinks && srv.Linked(tt.user) {
				t.Fatal("user still linked")
			}
		})
	}
}

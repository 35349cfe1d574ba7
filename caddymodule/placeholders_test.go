package caddymodule

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/caddyserver/caddy/v2"
)

func TestUserPlaceholdersResolveLikeSetValues(t *testing.T) {
	claims := map[string]string{"id": "1001", "nickname": "라이언", "email": "ryan@example.com"}
	tests := []struct {
		name   string
		before func(*caddy.Replacer) // e.g. a vars handler earlier in the route
		after  func(*caddy.Replacer) // a handler later in the route
		input  string
		want   string
	}{
		{name: "id and claims", input: "{http.auth.user.id} {http.auth.user.nickname} <{http.auth.user.email}>",
			want: "1001 라이언 <ryan@example.com>"},
		{name: "a claim the session lacks is unknown", input: "[{http.auth.user.gender}]", want: "[]"},
		{name: "other placeholders are untouched", input: "{http.auth.userid}{http.auth.user.}", want: ""},
		{name: "an id set earlier (vars) is overwritten, as by Set",
			before: func(r *caddy.Replacer) { r.Set("http.auth.user.id", "from-vars") },
			input:  "{http.auth.user.id}", want: "1001"},
		{name: "a value set later wins, as over Set",
			after: func(r *caddy.Replacer) { r.Set("http.auth.user.nickname", "later") },
			input: "{http.auth.user.nickname}", want: "later"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			repl := caddy.NewReplacer()
			r := httptest.NewRequest("GET", "/", nil)
			r = r.WithContext(context.WithValue(r.Context(), caddy.ReplacerCtxKey, repl))
			if tt.before != nil {
				tt.before(repl)
			}
			setUserPlaceholders(r, claims)
			if tt.after != nil {
				tt.after(repl)
			}
			if got := repl.ReplaceAll(tt.input, ""); got != tt.want {
				t.Fatalf("ReplaceAll(%q) = %q, want %q", tt.input, got, tt.want)
			}
		})
	}
	t.Run("the access log's user_id", func(t *testing.T) {
		repl := caddy.NewReplacer()
		r := httptest.NewRequest("GET", "/", nil)
		r = r.WithContext(context.WithValue(r.Context(), caddy.ReplacerCtxKey, repl))
		setUserPlaceholders(r, claims)
		if id, ok := repl.GetString("http.auth.user.id"); !ok || id != "1001" {
			t.Fatalf("GetString(http.auth.user.id) = %q, %v", id, ok)
		}
	})
}

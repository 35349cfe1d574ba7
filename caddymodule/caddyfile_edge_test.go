package caddymodule

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	"github.com/kakaogate/kakaogate/config"
)

func TestCaddyfileEdgeOptions(t *testing.T) {
	tests := []struct {
		name, block string
		want        config.EdgeOptions
		err         string
	}{
		{"max age and budgets", "id_token_max_age 5m\n failed_exchange_limit 50 5 30s", config.EdgeOptions{
			IDTokenMaxAge:   config.Duration(5 * time.Minute),
			FailedExchanges: &config.ExchangeLimit{Global: 50, PerClient: 5, Window: config.Duration(30 * time.Second)}}, ""},
		{"budgets without window", "failed_exchange_limit 50 5", config.EdgeOptions{
			FailedExchanges: &config.ExchangeLimit{Global: 50, PerClient: 5}}, ""},
		{"off", "failed_exchange_limit off", config.EdgeOptions{FailedExchanges: &config.ExchangeLimit{Off: true}}, ""},
		{"bad max age", "id_token_max_age soon", config.EdgeOptions{}, `id_token_max_age "soon"`},
		{"one budget", "failed_exchange_limit 50", config.EdgeOptions{}, "failed_exchange_limit takes off"},
		{"budget not a number", "failed_exchange_limit many 5", config.EdgeOptions{}, `global "many" is not a number`},
		{"bad window", "failed_exchange_limit 5 1 often", config.EdgeOptions{}, `window "often"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h Handler
			err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser("kakaogate {\n " + tt.block + "\n}"))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("got %v, want an error containing %q", err, tt.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(h.Config.EdgeOptions, tt.want) {
				t.Fatalf("parsed %+v (%v), want %+v", h.Config.EdgeOptions, err, tt.want)
			}
		})
	}
}

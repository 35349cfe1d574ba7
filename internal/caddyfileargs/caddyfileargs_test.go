package caddyfileargs

import (
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
)

func TestReadersSayWhatIsWrong(t *testing.T) {
	tests := []struct {
		name, input, want, wantErr string
		read                       func(*caddyfile.Dispenser) (string, error)
	}{
		{name: "one", input: "opt a", want: "a", read: one},
		{name: "one missing", input: "opt", wantErr: "opt needs a value", read: one},
		{name: "one too many", input: "opt a b", wantErr: "opt takes one value", read: one},
		{name: "some", input: "opt a b", want: "a b", read: some},
		{name: "some missing", input: "opt", wantErr: "opt needs at least one value", read: some},
		{name: "flag", input: "opt", want: "true", read: flag},
		{name: "flag with a value", input: "opt x", wantErr: "opt takes no value", read: flag},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := caddyfile.NewTestDispenser(tt.input)
			d.Next()
			got, err := tt.read(d)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func one(d *caddyfile.Dispenser) (string, error) {
	var s string
	err := One(d, &s)
	return s, err
}

func some(d *caddyfile.Dispenser) (string, error) {
	args, err := Some(d)
	return strings.Join(args, " "), err
}

func flag(d *caddyfile.Dispenser) (string, error) {
	var b bool
	err := Flag(d, &b)
	if b {
		return "true", err
	}
	return "false", err
}

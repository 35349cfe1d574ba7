package config

import "testing"

func TestInheritBearer(t *testing.T) {
	tests := []struct {
		name          string
		global, local *BearerOptions
		wantOn        bool
	}{
		{"global on, handler unset", &BearerOptions{}, nil, true},
		{"global on, handler off", &BearerOptions{}, &BearerOptions{Off: true}, false},
		{"global unset, handler on", nil, &BearerOptions{}, true},
		{"both unset", nil, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Config{Bearer: tt.local}
			c.Inherit(Config{Bearer: tt.global})
			if c.BearerEnabled() != tt.wantOn {
				t.Fatalf("BearerEnabled = %v, want %v", c.BearerEnabled(), tt.wantOn)
			}
			if tt.global != nil && c.Bearer == tt.global {
				t.Fatal("Inherit must copy the bearer options, not share them")
			}
		})
	}
}

func TestBearerAudiencesDefaultToClientID(t *testing.T) {
	c := Config{ClientID: "web", Bearer: &BearerOptions{}}
	if got := c.BearerAudiences(); len(got) != 1 || got[0] != "web" {
		t.Fatalf("default audiences = %v", got)
	}
	c.Bearer.Audiences = []string{"ios", "android"}
	if got := c.BearerAudiences(); len(got) != 2 || got[0] != "ios" {
		t.Fatalf("configured audiences = %v", got)
	}
}

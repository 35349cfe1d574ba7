package secret

import "testing"

func TestBytes(t *testing.T) {
	tests := []struct {
		in   []string
		want []string
	}{
		{nil, nil},
		{[]string{"a"}, []string{"a"}},
		{[]string{"new", "old"}, []string{"new", "old"}},
	}
	for _, tt := range tests {
		got := Bytes(tt.in)
		if len(got) != len(tt.want) {
			t.Fatalf("Bytes(%q) has %d entries, want %d", tt.in, len(got), len(tt.want))
		}
		for i := range got {
			if string(got[i]) != tt.want[i] {
				t.Fatalf("Bytes(%q)[%d] = %q, want %q", tt.in, i, got[i], tt.want[i])
			}
		}
	}
}

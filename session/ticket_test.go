package session

import (
	"bytes"
	"errors"
	"testing"
)

func TestTicketRoundTrip(t *testing.T) {
	id, err := newID()
	if err != nil {
		t.Fatal(err)
	}
	in := Ticket{ID: id}
	for i := range in.Key {
		in.Key[i] = byte(i * 7)
	}
	b, err := in.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != ticketLen {
		t.Fatalf("marshaled ticket is %d bytes, want %d", len(b), ticketLen)
	}
	out, err := ParseTicket(b)
	if err != nil {
		t.Fatal(err)
	}
	if out != in {
		t.Fatalf("round trip: got %+v, want %+v", out, in)
	}
}

func TestNewIDIsFreshAndWellFormed(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id, err := newID()
		if err != nil {
			t.Fatal(err)
		}
		if len(id) != idLen || !validID(id) {
			t.Fatalf("id %q is malformed", id)
		}
		if seen[id] {
			t.Fatalf("id %q drawn twice", id)
		}
		seen[id] = true
	}
}

func TestTicketMarshalRejectsMalformedIDs(t *testing.T) {
	good, _ := newID()
	tests := []struct {
		name, id string
	}{
		{"empty", ""},
		{"too short", good[:21]},
		{"too long", good + "A"},
		{"padded", good[:20] + "=="},
		{"standard base64 alphabet", "+" + good[1:]},
		{"non-canonical trailing bits", good[:21] + "B"}, // 'B' sets bits that 16 bytes cannot hold
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.id == good {
				t.Fatal("test case is the valid id")
			}
			if _, err := (Ticket{ID: tt.id}).MarshalBinary(); !errors.Is(err, ErrInvalidTicket) {
				t.Fatalf("MarshalBinary(%q) = %v, want ErrInvalidTicket", tt.id, err)
			}
		})
	}
}

func TestParseTicketIsStrict(t *testing.T) {
	id, _ := newID()
	good, err := Ticket{ID: id}.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		in   []byte
	}{
		{"nil", nil},
		{"one byte short", good[:len(good)-1]},
		{"one byte long", append(bytes.Clone(good), 0)},
		{"unknown version", append([]byte{ticketVersion + 1}, good[1:]...)},
		{"zero version", append([]byte{0}, good[1:]...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseTicket(tt.in); !errors.Is(err, ErrInvalidTicket) {
				t.Fatalf("ParseTicket = %v, want ErrInvalidTicket", err)
			}
		})
	}
}

package session

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// fuzzCookieName is the session cookie name of the fuzz targets (the gateway's, with Secure).
const fuzzCookieName = "__Host-kakaogate"

// FuzzSessionCookie feeds arbitrary cookie names and values to the session cookie decoder the
// gateway runs on every request: CookieCodec.Decode, then ParseTicket. It must never panic,
// and it may only ever open to a ticket this codec sealed, under that very cookie name: not a
// value sealed for another purpose (login state), another name, or with an unknown secret.
//
// Genuine values differ in every fuzzing process (random IV, timestamp, ticket), so inputs
// name them with placeholders: {G} is a genuine session cookie value, {R} one sealed with the
// older, still accepted secret, {P} the same ticket sealed for the "login" purpose and {U}
// one sealed with a secret the codec does not know. Seeds: testdata/fuzz.
func FuzzSessionCookie(f *testing.F) {
	newest, older, unknown := secret(f, 'n'), secret(f, 'o'), secret(f, 'u')
	codec := mustCodec(f, [][]byte{newest, older}, "session", time.Hour)
	id, err := newID()
	if err != nil {
		f.Fatal(err)
	}
	raw, err := Ticket{ID: id, Key: [32]byte{1, 2, 3}}.MarshalBinary()
	if err != nil {
		f.Fatal(err)
	}
	seal := func(secrets [][]byte, purpose string) string {
		v, err := mustCodec(f, secrets, purpose, time.Hour).Encode(fuzzCookieName, raw)
		if err != nil {
			f.Fatal(err)
		}
		return v
	}
	expand := strings.NewReplacer(
		"{G}", seal([][]byte{newest}, "session"),
		"{R}", seal([][]byte{older}, "session"),
		"{P}", seal([][]byte{newest}, "login"),
		"{U}", seal([][]byte{unknown}, "session"),
	).Replace
	f.Fuzz(func(t *testing.T, name, value string) {
		value = expand(value)
		got, err := codec.Decode(name, value)
		if err != nil {
			return
		}
		if name != fuzzCookieName || !bytes.Equal(got, raw) {
			t.Fatalf("cookie %.64q opened to %x, which this codec never sealed under that name", name, got)
		}
		tk, err := ParseTicket(got)
		if err != nil || tk.ID != id {
			t.Fatalf("the genuine ticket does not parse: %+v %v", tk, err)
		}
	})
}

// FuzzParseTicket feeds arbitrary bytes to ParseTicket and what parses to Manager.Load, which
// holds one genuine session. ParseTicket must never panic and accept exactly the 49-byte
// version-1 form, round-tripping through MarshalBinary; Load must only ever open the genuine
// session with its genuine ticket: the same id with any other key fails.
//
// {T} stands for the genuine ticket's 49 bytes, {I} for its id's 16 bytes. Seeds: testdata/fuzz.
func FuzzParseTicket(f *testing.F) {
	store := NewMemoryStore(MemoryOptions{})
	f.Cleanup(func() { _ = store.Close() })
	m, err := NewManager(store, ManagerOptions{Lifetime: time.Hour})
	if err != nil {
		f.Fatal(err)
	}
	ctx := context.Background()
	genuine, err := m.Create(ctx, &Session{UserID: "1001", Claims: map[string]string{"id": "1001"}})
	if err != nil {
		f.Fatal(err)
	}
	tb, err := genuine.MarshalBinary()
	if err != nil {
		f.Fatal(err)
	}
	idBytes := tb[1 : 1+idBytes]
	f.Fuzz(func(t *testing.T, data []byte) {
		data = bytes.ReplaceAll(bytes.ReplaceAll(data, []byte("{T}"), tb), []byte("{I}"), idBytes)
		tk, err := ParseTicket(data)
		if err != nil {
			if !errors.Is(err, ErrInvalidTicket) {
				t.Fatalf("ParseTicket error %v is not ErrInvalidTicket", err)
			}
			return
		}
		if len(data) != ticketLen || data[0] != ticketVersion {
			t.Fatalf("ParseTicket accepted %d bytes starting %#x", len(data), data[0])
		}
		again, err := tk.MarshalBinary()
		if err != nil || !bytes.Equal(again, data) {
			t.Fatalf("ticket does not round-trip: %x -> %x (%v)", data, again, err)
		}
		s, err := m.Load(ctx, tk)
		if err == nil && (tk != genuine || s.UserID != "1001") {
			t.Fatalf("Load opened a session with a ticket that is not the genuine one: %x", data)
		}
		if err != nil && tk == genuine {
			t.Fatalf("Load refused the genuine ticket: %v", err)
		}
	})
}

package session

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestSessionEncodingRoundTrip(t *testing.T) {
	full := sampleSession(t)
	full.RefreshExpiry = time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	full.CreatedAt = time.Date(2026, 3, 1, 12, 0, 0, 1, time.UTC)
	full.ExpiresAt = time.Date(2026, 3, 2, 12, 0, 0, 999999999, time.UTC)
	local := sampleSession(t)
	local.CreatedAt = time.Date(2026, 3, 1, 21, 0, 0, 0, time.FixedZone("KST", 9*3600))
	tests := []struct {
		name string
		in   *Session
		want *Session // nil: same as in
	}{
		{name: "every field survives", in: full},
		{name: "empty session survives", in: &Session{}},
		{name: "zero times stay zero", in: &Session{UserID: "1", AccessExpiry: time.Time{}}},
		{name: "times before 1970 survive", in: &Session{CreatedAt: time.Date(1960, 1, 1, 0, 0, 0, 5, time.UTC)}},
		{name: "the unix epoch is not the zero time", in: &Session{CreatedAt: time.Unix(0, 0).UTC()}},
		{name: "empty claims and scopes decode as nil", in: &Session{Claims: map[string]string{}, Scopes: []string{}}, want: &Session{}},
		{name: "times come back as the same instant in UTC", in: local, want: func() *Session {
			s := *local
			s.CreatedAt = local.CreatedAt.UTC()
			return &s
		}()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.in.MarshalBinary()
			if err != nil {
				t.Fatalf("MarshalBinary: %v", err)
			}
			got := &Session{ID: "kept"}
			if err := got.UnmarshalBinary(b); err != nil {
				t.Fatalf("UnmarshalBinary: %v", err)
			}
			want := tt.want
			if want == nil {
				want = tt.in
			}
			w := *want
			w.ID = "kept"
			if !reflect.DeepEqual(got, &w) {
				t.Fatalf("round trip:\n got %#v\nwant %#v", got, &w)
			}
		})
	}
}

func TestSessionEncodingOmitsID(t *testing.T) {
	a, _ := (&Session{ID: "one", UserID: "u"}).MarshalBinary()
	b, _ := (&Session{ID: "two", UserID: "u"}).MarshalBinary()
	if !bytes.Equal(a, b) {
		t.Fatal("the id changes the encoding")
	}
}

func TestSessionEncodingIsDeterministic(t *testing.T) {
	s := sampleSession(t)
	first, _ := s.MarshalBinary()
	for range 20 { // map iteration order varies between runs
		again, _ := s.MarshalBinary()
		if !bytes.Equal(first, again) {
			t.Fatal("equal sessions encode differently")
		}
	}
}

func TestSessionMarshalRejectsOversizedInput(t *testing.T) {
	many := func(n int) map[string]string {
		m := make(map[string]string, n)
		for i := range n {
			m[strings.Repeat("k", i+1)] = "v"
		}
		return m
	}
	tests := []struct {
		name string
		s    *Session
	}{
		{"a token over 64 KiB", &Session{AccessToken: strings.Repeat("a", maxFieldLen+1)}},
		{"a claim value over 64 KiB", &Session{Claims: map[string]string{"k": strings.Repeat("v", maxFieldLen+1)}}},
		{"more than 256 claims", &Session{Claims: many(maxClaims + 1)}},
		{"more than 256 scopes", &Session{Scopes: make([]string, maxScopes+1)}},
		{"over 1 MiB in total", &Session{Claims: func() map[string]string {
			m := map[string]string{}
			for i := range 20 {
				m[string(rune('a'+i))] = strings.Repeat("v", maxFieldLen)
			}
			return m
		}()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.s.MarshalBinary(); err == nil {
				t.Fatal("MarshalBinary accepted it")
			}
		})
	}
	t.Run("fields at the limits are accepted", func(t *testing.T) {
		s := &Session{AccessToken: strings.Repeat("a", maxFieldLen), Claims: many(maxClaims), Scopes: make([]string, maxScopes)}
		b, err := s.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		if err := new(Session).UnmarshalBinary(b); err != nil {
			t.Fatalf("what MarshalBinary wrote does not decode: %v", err)
		}
	})
}

func TestSessionUnmarshalRejectsGarbage(t *testing.T) {
	valid, err := sampleSession(t).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	uv := func(b []byte, v uint64) []byte { return binary.AppendUvarint(b, v) }
	tests := []struct {
		name string
		in   []byte
	}{
		{"nil", nil},
		{"version only", []byte{encodingVersion}},
		{"unknown version", append([]byte{2}, valid[1:]...)},
		{"trailing byte", append(append([]byte(nil), valid...), 0)},
		{"string length beyond the input", uv([]byte{encodingVersion}, 1000)},
		{"string length over the field cap", uv([]byte{encodingVersion}, maxFieldLen+1)},
		{"huge string length", uv([]byte{encodingVersion}, 1<<63)},
		{"overlong varint", append([]byte{encodingVersion}, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f)},
		{"claim count over the cap", uv([]byte{encodingVersion, 0, 0}, maxClaims+1)},
		{"claim count beyond the input", uv([]byte{encodingVersion, 0, 0}, 5)},
		{"scope count over the cap", uv([]byte{encodingVersion, 0, 0, 0}, maxScopes+1)},
		{"duplicate claim", []byte{encodingVersion, 0, 0, 2, 1, 'k', 0, 1, 'k', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
		{"nanoseconds out of range", append([]byte{encodingVersion, 0, 0, 0, 0, 0, 0, 0, 0}, uv(nil, uint64(time.Second))...)},
		{"over 1 MiB", append([]byte{encodingVersion}, make([]byte, maxEncoded)...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Session{UserID: "untouched"}
			err := s.UnmarshalBinary(tt.in)
			if !errors.Is(err, errDecode) {
				t.Fatalf("UnmarshalBinary = %v, want a decode error", err)
			}
			if s.UserID != "untouched" {
				t.Fatal("a failed decode changed the session")
			}
		})
	}
	t.Run("every truncation of a valid encoding fails", func(t *testing.T) {
		for n := range len(valid) {
			if err := new(Session).UnmarshalBinary(valid[:n]); err == nil {
				t.Fatalf("truncated to %d of %d bytes decoded", n, len(valid))
			}
		}
	})
	t.Run("random bytes never panic", func(t *testing.T) {
		r := rand.New(rand.NewPCG(1, 2))
		buf := make([]byte, 512)
		for range 20000 {
			n := r.IntN(len(buf))
			for i := range n {
				buf[i] = byte(r.Uint32())
			}
			buf[0] = encodingVersion
			_ = new(Session).UnmarshalBinary(buf[:n])
		}
	})
	t.Run("single-byte corruptions never panic", func(t *testing.T) {
		b := append([]byte(nil), valid...)
		for i := range b {
			for _, x := range []byte{0x01, 0x80, 0xff} {
				b[i] ^= x
				_ = new(Session).UnmarshalBinary(b)
				b[i] ^= x
			}
		}
	})
}

func FuzzSessionUnmarshalBinary(f *testing.F) {
	valid, _ := sampleSession(f).MarshalBinary()
	f.Add(valid)
	f.Add(valid[:len(valid)/2])
	f.Add([]byte{encodingVersion, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		var s Session
		if s.UnmarshalBinary(data) != nil {
			return
		}
		b, err := s.MarshalBinary()
		if err != nil {
			t.Fatalf("a decoded session does not encode: %v", err)
		}
		var again Session
		if err := again.UnmarshalBinary(b); err != nil {
			t.Fatalf("re-encoded session does not decode: %v", err)
		}
		if !reflect.DeepEqual(s, again) {
			t.Fatalf("unstable round trip:\n%#v\n%#v", s, again)
		}
	})
}

func BenchmarkSessionUnmarshal(b *testing.B) {
	s := sampleSession(b)
	s.IDToken = strings.Repeat("x", 1200) // a realistic RS256 id_token size
	data, err := s.MarshalBinary()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		var out Session
		if err := out.UnmarshalBinary(data); err != nil {
			b.Fatal(err)
		}
	}
}

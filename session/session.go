package session

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Session is one logged-in user's state. The Manager stores it sealed with the
// session's own key; only the holder of the Ticket can read it back.
type Session struct {
	// ID is the session id. The Manager sets it; it is not part of the
	// encoding (the sealed blob is bound to the id by the AEAD instead).
	ID string
	// UserID is the stable user id (the Kakao id or the OIDC sub).
	UserID string
	// Issuer is the issuer the user logged in at.
	Issuer string
	// Claims are the flattened claims used for headers, placeholders and /me.
	Claims map[string]string
	// Scopes are the scopes the provider granted.
	Scopes []string
	// IDToken, AccessToken and RefreshToken are the provider's tokens.
	IDToken, AccessToken, RefreshToken string
	// AccessExpiry and RefreshExpiry are when the tokens expire (zero: unknown).
	AccessExpiry, RefreshExpiry time.Time
	// CreatedAt and ExpiresAt bound the session's life; the Manager sets both.
	CreatedAt, ExpiresAt time.Time
}

// encodingVersion is the first byte of every encoded Session.
const encodingVersion byte = 1

// Limits enforced by both MarshalBinary and UnmarshalBinary, so that anything
// encoded can be decoded and garbage cannot make the decoder allocate much.
const (
	maxFieldLen = 64 << 10 // one string (a token, a claim value)
	maxClaims   = 256
	maxScopes   = 256
	maxEncoded  = 1 << 20 // a whole encoded session
)

// errDecode is the cause of every UnmarshalBinary failure.
var errDecode = errors.New("session: malformed session encoding")

// MarshalBinary encodes s (without its ID) as a version byte followed by
// length-prefixed fields (unsigned varints) and times as a signed varint of
// Unix seconds plus an unsigned varint of nanoseconds. Claims are written in
// key order, so equal sessions encode to equal bytes.
func (s *Session) MarshalBinary() ([]byte, error) {
	if len(s.Claims) > maxClaims {
		return nil, fmt.Errorf("session: encode: %d claims exceed the limit of %d", len(s.Claims), maxClaims)
	}
	if len(s.Scopes) > maxScopes {
		return nil, fmt.Errorf("session: encode: %d scopes exceed the limit of %d", len(s.Scopes), maxScopes)
	}
	size := 1 + 5*binary.MaxVarintLen64
	strs := []string{s.UserID, s.Issuer, s.IDToken, s.AccessToken, s.RefreshToken}
	for k, v := range s.Claims {
		strs = append(strs, k, v)
	}
	strs = append(strs, s.Scopes...)
	for _, v := range strs {
		if len(v) > maxFieldLen {
			return nil, fmt.Errorf("session: encode: a field of %d bytes exceeds the limit of %d", len(v), maxFieldLen)
		}
		size += binary.MaxVarintLen32 + len(v)
	}
	size += 4 * 2 * binary.MaxVarintLen64

	b := make([]byte, 0, size)
	b = append(b, encodingVersion)
	b = appendString(b, s.UserID)
	b = appendString(b, s.Issuer)
	keys := make([]string, 0, len(s.Claims))
	for k := range s.Claims {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = binary.AppendUvarint(b, uint64(len(keys)))
	for _, k := range keys {
		b = appendString(b, k)
		b = appendString(b, s.Claims[k])
	}
	b = binary.AppendUvarint(b, uint64(len(s.Scopes)))
	for _, v := range s.Scopes {
		b = appendString(b, v)
	}
	b = appendString(b, s.IDToken)
	b = appendString(b, s.AccessToken)
	b = appendString(b, s.RefreshToken)
	for _, t := range []time.Time{s.AccessExpiry, s.RefreshExpiry, s.CreatedAt, s.ExpiresAt} {
		b = appendTime(b, t)
	}
	if len(b) > maxEncoded {
		return nil, fmt.Errorf("session: encode: %d bytes exceed the limit of %d", len(b), maxEncoded)
	}
	return b, nil
}

// UnmarshalBinary decodes data written by MarshalBinary into s, replacing
// every field but ID. It checks every length against the remaining input and
// the limits, rejects unknown versions, duplicate claims and trailing bytes,
// and never panics; on error s is left unchanged.
func (s *Session) UnmarshalBinary(data []byte) error {
	if len(data) > maxEncoded {
		return fmt.Errorf("%w: %d bytes exceed the limit of %d", errDecode, len(data), maxEncoded)
	}
	if len(data) == 0 || data[0] != encodingVersion {
		return fmt.Errorf("%w: unknown version", errDecode)
	}
	// One string copy of the whole input; every field is a substring of it,
	// which saves an allocation per field on the hot path.
	d := decoder{buf: string(data[1:])}
	var out Session
	out.UserID = d.string()
	out.Issuer = d.string()
	if n := d.count(maxClaims); n > 0 {
		out.Claims = make(map[string]string, n)
		for range n {
			k, v := d.string(), d.string()
			if _, dup := out.Claims[k]; dup && d.err == nil {
				d.err = fmt.Errorf("%w: duplicate claim", errDecode)
			}
			out.Claims[k] = v
		}
	}
	if n := d.count(maxScopes); n > 0 {
		out.Scopes = make([]string, n)
		for i := range out.Scopes {
			out.Scopes[i] = d.string()
		}
	}
	out.IDToken = d.string()
	out.AccessToken = d.string()
	out.RefreshToken = d.string()
	out.AccessExpiry = d.time()
	out.RefreshExpiry = d.time()
	out.CreatedAt = d.time()
	out.ExpiresAt = d.time()
	if d.err == nil && d.off != len(d.buf) {
		d.err = fmt.Errorf("%w: %d trailing bytes", errDecode, len(d.buf)-d.off)
	}
	if d.err != nil {
		return d.err
	}
	out.ID = s.ID
	*s = out
	return nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendTime(b []byte, t time.Time) []byte {
	b = binary.AppendVarint(b, t.Unix())
	return binary.AppendUvarint(b, uint64(t.Nanosecond()))
}

// zeroUnix is time.Time{}.Unix(): the encoding of the zero time.
var zeroUnix = time.Time{}.Unix()

// decoder reads fields from buf; the first error sticks and every later read
// returns a zero value.
type decoder struct {
	buf string
	off int
	err error
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: bad %s at offset %d", errDecode, what, d.off+1)
	}
}

// uvarint reads an unsigned varint. It is written out rather than calling
// binary.Uvarint so that buf can stay a string.
func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	var x uint64
	var shift uint
	for i := 0; i < binary.MaxVarintLen64; i++ {
		if d.off >= len(d.buf) {
			d.fail("varint")
			return 0
		}
		c := d.buf[d.off]
		d.off++
		if c < 0x80 {
			if i == binary.MaxVarintLen64-1 && c > 1 {
				d.fail("varint")
				return 0
			}
			return x | uint64(c)<<shift
		}
		x |= uint64(c&0x7f) << shift
		shift += 7
	}
	d.fail("varint")
	return 0
}

// count reads a element count, capped by limit and by the bytes left (every
// element takes at least one byte), so garbage cannot force a big allocation.
func (d *decoder) count(limit int) int {
	n := d.uvarint()
	if d.err != nil {
		return 0
	}
	if n > uint64(limit) || n > uint64(len(d.buf)-d.off) {
		d.fail("count")
		return 0
	}
	return int(n)
}

func (d *decoder) string() string {
	n := d.uvarint()
	if d.err != nil {
		return ""
	}
	if n > maxFieldLen || n > uint64(len(d.buf)-d.off) {
		d.fail("length")
		return ""
	}
	s := d.buf[d.off : d.off+int(n)]
	d.off += int(n)
	return s
}

func (d *decoder) time() time.Time {
	u := d.uvarint()
	nsec := d.uvarint()
	if d.err != nil {
		return time.Time{}
	}
	if nsec >= uint64(time.Second) {
		d.fail("time")
		return time.Time{}
	}
	sec := int64(u>>1) ^ -int64(u&1) // zig-zag, as binary.AppendVarint writes it
	if sec == zeroUnix && nsec == 0 {
		return time.Time{}
	}
	return time.Unix(sec, int64(nsec)).UTC()
}

package session

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
)

// Ticket is what the session cookie carries: the session id and the random
// per-session key the stored session is sealed with. A ticket is a bearer
// credential; never log it.
type Ticket struct {
	// ID is the session id: 16 random bytes, unpadded base64url (22 characters).
	ID string
	// Key is the session's AES-256-GCM key.
	Key [32]byte
}

// ticketVersion is the first byte of a marshaled ticket.
const ticketVersion byte = 1

const (
	idBytes = 16
	// idLen is the length of an encoded session id.
	idLen = 22
	// ticketLen is the length of a marshaled ticket: version, id, key.
	ticketLen = 1 + idBytes + 32
)

// idEncoding encodes session ids. Strict mode rejects non-canonical encodings,
// so every id has exactly one spelling.
var idEncoding = base64.RawURLEncoding.Strict()

// ErrInvalidTicket is returned by ParseTicket and MarshalBinary for a
// malformed ticket.
var ErrInvalidTicket = errors.New("session: invalid ticket")

// newID returns a fresh random 128-bit session id.
func newID() (string, error) {
	var b [idBytes]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("session: random id: %w", err)
	}
	return idEncoding.EncodeToString(b[:]), nil
}

// decodeID returns the 16 bytes of a session id, or false when id is not a
// canonical encoding of exactly 16 bytes.
func decodeID(id string) ([idBytes]byte, bool) {
	var b [idBytes]byte
	if len(id) != idLen {
		return b, false
	}
	n, err := idEncoding.Decode(b[:], []byte(id))
	return b, err == nil && n == idBytes
}

// validID reports whether id has the shape of a session id.
func validID(id string) bool {
	_, ok := decodeID(id)
	return ok
}

// MarshalBinary encodes t in 49 bytes: a version byte, the 16 id bytes, the key.
func (t Ticket) MarshalBinary() ([]byte, error) {
	id, ok := decodeID(t.ID)
	if !ok {
		return nil, fmt.Errorf("%w: malformed id", ErrInvalidTicket)
	}
	b := make([]byte, 0, ticketLen)
	b = append(b, ticketVersion)
	b = append(b, id[:]...)
	return append(b, t.Key[:]...), nil
}

// ParseTicket decodes a ticket written by MarshalBinary. Anything but exactly
// 49 bytes with the known version byte is ErrInvalidTicket.
func ParseTicket(b []byte) (Ticket, error) {
	if len(b) != ticketLen {
		return Ticket{}, fmt.Errorf("%w: %d bytes, want %d", ErrInvalidTicket, len(b), ticketLen)
	}
	if b[0] != ticketVersion {
		return Ticket{}, fmt.Errorf("%w: unknown version", ErrInvalidTicket)
	}
	var t Ticket
	t.ID = idEncoding.EncodeToString(b[1 : 1+idBytes])
	copy(t.Key[:], b[1+idBytes:])
	return t, nil
}

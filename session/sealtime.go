package session

import (
	"encoding/binary"
	"time"
)

// A version 2 blob starts with the session's creation time in clear (Unix
// nanoseconds, 8 bytes big-endian) after its version byte, authenticated as
// additional data with the session id, so that a store can end only the
// sessions of a user created before a revocation (DeleteUserBefore) without
// the sessions' keys. Version 1 blobs (no time; the id alone is the additional
// data) are still opened, and counted as created before any revocation.
const (
	sealVersion2  byte = 2
	sealHeaderLen      = 1 + 8
)

// appendSealHeader appends a version 2 header with created to b.
func appendSealHeader(b []byte, created time.Time) []byte {
	b = append(b, sealVersion2)
	return binary.BigEndian.AppendUint64(b, uint64(created.UnixNano()))
}

// sealHeaderSize returns the length of blob's header (version byte and, for
// version 2, the creation time), or false for an unknown version.
func sealHeaderSize(blob []byte) (int, bool) {
	switch {
	case len(blob) == 0:
		return 0, false
	case blob[0] == sealVersion1:
		return 1, true
	case blob[0] == sealVersion2 && len(blob) >= sealHeaderLen:
		return sealHeaderLen, true
	}
	return 0, false
}

// sealAD returns the additional data of a blob with header hdr: the session
// id, followed for version 2 by the header.
func sealAD(id string, hdr []byte) []byte {
	if len(hdr) == 1 {
		return []byte(id)
	}
	return append([]byte(id), hdr...)
}

// blobCreated returns the creation time a blob's header carries, or false
// when it carries none (version 1, or not a blob).
func blobCreated(blob []byte) (time.Time, bool) {
	if len(blob) < sealHeaderLen || blob[0] != sealVersion2 {
		return time.Time{}, false
	}
	return time.Unix(0, int64(binary.BigEndian.Uint64(blob[1:sealHeaderLen]))), true
}

// createdAfter reports whether blob is of a session created after before; a
// blob without a creation time is not.
func createdAfter(blob []byte, before time.Time) bool {
	created, ok := blobCreated(blob)
	return ok && created.After(before)
}

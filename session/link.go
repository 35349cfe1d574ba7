package session

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// linkPrefix starts the store id of a link. A '.' never occurs in a session id,
// so a link can never be loaded as a session, nor a session read as a link.
const linkPrefix = "link."

// maxLinkedUserID bounds the user id a link may name.
const maxLinkedUserID = 1024

// Link records for ttl that name (for example a provider's session id)
// belongs to userID, so that [Manager.Resolve] can find the user later. The
// link is kept in the user's index like a session: [Manager.DeleteUser]
// removes it too (and counts it). Only a hash of name is stored.
func (m *Manager) Link(ctx context.Context, name, userID string, ttl time.Duration) error {
	if name == "" || userID == "" || len(userID) > maxLinkedUserID {
		return errors.New("session: link: empty name, or empty or oversized user id")
	}
	if err := m.store.Put(ctx, linkID(name), userID, []byte(userID), ttl); err != nil {
		return fmt.Errorf("session: link: %w", err)
	}
	return nil
}

// Resolve returns the user that name was linked to; ErrNotFound when there is
// no such link (never made, expired, or removed with the user's sessions). A
// store failure is returned wrapped and is not ErrNotFound.
func (m *Manager) Resolve(ctx context.Context, name string) (string, error) {
	if name == "" {
		return "", ErrNotFound
	}
	b, err := m.store.Get(ctx, linkID(name))
	if errors.Is(err, ErrNotFound) {
		return "", err
	}
	if err != nil {
		return "", fmt.Errorf("session: resolve: %w", err)
	}
	if len(b) == 0 || len(b) > maxLinkedUserID {
		return "", fmt.Errorf("session: resolve: malformed link: %w", ErrNotFound)
	}
	return string(b), nil
}

// linkID is the store id of the link called name.
func linkID(name string) string {
	sum := sha256.Sum256([]byte("kakaogate/link\x00" + name))
	return linkPrefix + hex.EncodeToString(sum[:])
}

package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"go.uber.org/zap"
)

// on_unlink delivery bounds: the app is told about each unlink a few times at most, with a
// timeout per attempt, and no more than maxNotifyInFlight deliveries run at once.
const (
	notifyTimeout     = 5 * time.Second
	notifyAttempts    = 3
	maxNotifyInFlight = 32
)

// unlinkEvent is what on_unlink receives.
type unlinkEvent struct {
	UserID       string `json:"user_id"`
	ReferrerType string `json:"referrer_type,omitempty"`
	Source       string `json:"source"`
}

// notifyUnlink tells the app (option on_unlink) that a person unlinked, so it can delete their
// data. It never blocks the caller: delivery happens in the background, stops when the
// gateway is closed, and failures are logged.
func (g *Gateway) notifyUnlink(userID, referrerType, source string) {
	if g.cfg.OnUnlink == "" {
		return
	}
	body, _ := json.Marshal(unlinkEvent{UserID: userID, ReferrerType: referrerType, Source: source})
	select {
	case g.notifySlots <- struct{}{}:
	default:
		g.logger.Error("on_unlink delivery dropped: too many in flight", zap.String("user_id", userID))
		return
	}
	g.background.Add(1)
	go func() {
		defer func() { <-g.notifySlots; g.background.Done() }()
		var err error
		for attempt := 0; attempt < notifyAttempts; attempt++ {
			if err = g.postUnlink(body); err == nil {
				return
			}
			select {
			case <-g.ctx.Done():
				return
			case <-time.After(time.Duration(attempt+1) * time.Second):
			}
		}
		g.logger.Error("on_unlink delivery failed", zap.String("user_id", userID), zap.Error(err))
	}()
}

func (g *Gateway) postUnlink(body []byte) error {
	ctx, cancel := context.WithTimeout(g.ctx, notifyTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, g.cfg.OnUnlink, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := g.notifyClient.Do(req)
	if err != nil {
		return fmt.Errorf("posting to on_unlink: %w", err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		return fmt.Errorf("on_unlink answered %d", resp.StatusCode)
	}
	return nil
}

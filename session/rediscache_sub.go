package session

import (
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/redis/go-redis/v9"
)

// maxPauseHeartbeats caps the pause between attempts to subscribe again, in heartbeats
// (800ms by default).
const maxPauseHeartbeats = 8

// run is the subscriber: it keeps a subscription to the invalidation channel, applies every
// message, checks a quiet subscription with a PING every heartbeat, and stops the caches
// serving (emptying them) whenever the subscription fails. go-redis subscribes again on the
// next receive after a failure; the confirmation empties the caches once more (whatever was
// published meanwhile is lost) and lets it serve again.
func (c *redisSubscription) run() {
	defer close(c.done)
	ps := c.client.Subscribe(c.ctx, c.channel)
	defer ps.Close()
	pause := c.opts.Heartbeat
	for c.ctx.Err() == nil {
		msg, err := ps.ReceiveTimeout(c.ctx, c.opts.Heartbeat)
		if err != nil {
			if c.ctx.Err() != nil {
				return
			}
			if isTimeout(err) {
				// Quiet: ask for a PONG. Without an answer serving ends by itself.
				if err := ps.Ping(c.ctx); err != nil {
					c.stopServing(fmt.Errorf("session: cache subscription ping: %w", err))
				}
				continue
			}
			c.stopServing(fmt.Errorf("session: cache subscription: %w", err))
			select {
			case <-c.ctx.Done():
				return
			case <-time.After(pause):
			}
			pause = min(2*pause, maxPauseHeartbeats*c.opts.Heartbeat)
			continue
		}
		pause = c.opts.Heartbeat
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind == "subscribe" && m.Channel == c.channel {
				c.flush()
				c.subscribed.Store(true)
				c.alive()
			}
		case *redis.Message:
			if m.Channel == c.channel {
				c.inv.announce(m.Payload)
			}
			c.alive()
		case *redis.Pong:
			c.alive()
		}
	}
}

// isTimeout reports a receive that timed out with the connection intact.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

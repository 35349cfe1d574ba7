package session

import (
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/redis/go-redis/v9"
)

const (
	// maxPauseHeartbeats caps the pause between attempts to subscribe again, in heartbeats
	// (800ms by default).
	maxPauseHeartbeats = 8
	// staleHeartbeats is how many heartbeats without one of its own probes make the
	// subscriber drop its subscription and subscribe again on a new connection.
	staleHeartbeats = 8
)

// Why the caches stop serving when the probes stay away.
var (
	errProbesMissing = errors.New("session: cache subscription has heard none of its probes for four heartbeats")
	errProbesLost    = errors.New("session: cache subscription hears none of its probes (not on the master's stream, e.g. after a Sentinel failover): subscribing again")
)

// run is the subscriber: it keeps a subscription to the invalidation channel (and to a probe
// channel of its own), applies every message, and stops the caches serving (emptying them)
// whenever the subscription fails. Each subscription lasts until it stops hearing its probes.
func (c *redisSubscription) run() {
	defer close(c.done)
	probe := c.channel + ":probe:" + rand.Text()
	for c.ctx.Err() == nil {
		c.subscription(probe)
	}
}

// subscription runs one subscription to the invalidation channel and probe until the
// context ends or the subscription must be made anew.
//
// Every heartbeat it publishes a probe on its own channel through the store's client, which
// sends it where the store's commands go: the current master. Only hearing a probe keeps
// the caches serving (alive), so they serve only while what is published on the master
// reaches this subscription. A PING would not do: go-redis's Sentinel client moves its
// commands to a new master after a failover but leaves an existing subscription on the old
// one, which keeps answering (as a master, for about ten seconds) and never hears the new
// master's messages. When no probe has arrived for staleHeartbeats, the subscription is
// closed and the next one dials afresh, to the master the client names now.
//
// go-redis subscribes again on the next receive after a failed connection; the confirmation
// empties the caches once more (whatever was published meanwhile is lost).
func (c *redisSubscription) subscription(probe string) {
	ps := c.client.Subscribe(c.ctx, c.channel, probe)
	defer ps.Close()
	pause := c.opts.Heartbeat
	heard, next := time.Now(), time.Now() // the last probe heard (or the start); the next probe due
	lapsed := false                       // no probe for silentHeartbeats since heard
	for c.ctx.Err() == nil {
		if now := time.Now(); !now.Before(next) {
			if now.Sub(heard) > staleHeartbeats*c.opts.Heartbeat {
				c.stopServing(errProbesLost)
				return
			}
			if !lapsed && now.Sub(heard) > silentHeartbeats*c.opts.Heartbeat {
				// Serving has ended by itself; empty the caches too: what was published
				// meanwhile may never arrive, even if the probes come back.
				lapsed = true
				c.storeFailed(errProbesMissing)
			}
			if err := c.client.Publish(c.ctx, probe, "").Err(); err != nil && c.ctx.Err() == nil {
				// As any failed command of the store: the subscription itself may be intact,
				// and the next probe heard lets the caches serve again.
				c.storeFailed(fmt.Errorf("session: cache subscription probe: %w", err))
			}
			next = now.Add(c.opts.Heartbeat)
		}
		msg, err := ps.ReceiveTimeout(c.ctx, max(time.Until(next), time.Millisecond))
		if err != nil {
			if c.ctx.Err() != nil || isTimeout(err) {
				continue
			}
			c.stopServing(fmt.Errorf("session: cache subscription: %w", err))
			select {
			case <-c.ctx.Done():
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
				next = time.Now() // probe at once: serving starts with the first probe heard
			}
		case *redis.Message:
			switch m.Channel {
			case c.channel:
				c.inv.announce(m.Payload)
			case probe:
				heard, lapsed = time.Now(), false
				c.alive()
			}
		}
	}
}

// isTimeout reports a receive that timed out with the connection intact.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

package session

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// The per-user index of a RedisStore, <prefix>u:<userID>, is a sorted set of the user's
// session ids, each scored by the Unix millisecond after which its session has surely ended:
// its Put plus MaxLifetime (plus indexSkew), so the lowest scores are the oldest sessions.
// Every Put drops the entries whose score has passed (ZREMRANGEBYSCORE), so a login costs
// the same few commands however many sessions the user holds, and ends the oldest sessions
// beyond MaxPerUser. Every command names one key: the index and the session keys live in
// different hash slots, and go-redis splits a pipeline by slot.
//
// Earlier versions kept the index as a plain set (SADD, SMEMBERS). A store that meets one
// (WRONGTYPE) converts it in place (convertIndex) and carries on, so instances of both
// versions can share a Redis during a rolling upgrade without a new one ever failing on an
// old index.

// indexSkew pads the index's scores and expiry: an entry is dropped only this long after its
// session must have ended, so clocks that disagree between gateway instances and Redis can
// never drop the entry of a live session (which would then escape DeleteUser).
const indexSkew = 5 * time.Minute

// convertAttempts bounds the tries at converting an index that keeps changing meanwhile.
const convertAttempts = 5

// indexAdd queues, on p, the index upkeep of a Put of id for ttl: drop the ended entries,
// add id, push the index's expiry out, and count the entries. It returns the count.
func (r *RedisStore) indexAdd(ctx context.Context, p redis.Pipeliner, uk, id string, ttl time.Duration) *redis.IntCmd {
	now := time.Now()
	life := max(ttl, r.maxLifetime)
	p.ZRemRangeByScore(ctx, uk, "-inf", "("+strconv.FormatInt(now.UnixMilli(), 10))
	p.ZAdd(ctx, uk, redis.Z{Score: float64(now.Add(life + indexSkew).UnixMilli()), Member: id})
	p.PExpire(ctx, uk, life+indexSkew)
	return p.ZCard(ctx, uk)
}

// endOldest ends the over oldest sessions listed at uk, never keep (the one just stored).
func (r *RedisStore) endOldest(ctx context.Context, uk, keep string, over int64) error {
	ids, err := r.client.ZRange(ctx, uk, 0, over).Result()
	if err != nil {
		return r.failed(fmt.Errorf("session: redis end oldest sessions: %w", err))
	}
	victims := make([]string, 0, over)
	for _, id := range ids {
		if id != keep && int64(len(victims)) < over {
			victims = append(victims, id)
		}
	}
	if len(victims) == 0 {
		return nil
	}
	if _, err := r.deleteListed(ctx, uk, victims); err != nil {
		return r.failed(fmt.Errorf("session: redis end oldest sessions: %w", err))
	}
	for _, id := range victims {
		if err := r.changed(ctx, invalidateSession+id); err != nil {
			return err
		}
	}
	return nil
}

// deleteListed deletes the sessions ids and removes them from the index at uk, in one
// pipeline, and counts the session keys that existed.
func (r *RedisStore) deleteListed(ctx context.Context, uk string, ids []string) (int, error) {
	dels := make([]*redis.IntCmd, len(ids))
	members := make([]any, len(ids))
	_, err := r.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			dels[i] = p.Del(ctx, r.sessionKey(id))
			members[i] = id
		}
		p.ZRem(ctx, uk, members...)
		return nil
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, d := range dels {
		n += int(d.Val())
	}
	return n, nil
}

// indexed lists every session id of the user index at uk (ZRANGE), converting an index of
// the old form first.
func (r *RedisStore) indexed(ctx context.Context, uk string) ([]string, error) {
	var ids []string
	err := r.withIndex(ctx, uk, func() error {
		var err error
		ids, err = r.client.ZRange(ctx, uk, 0, -1).Result()
		return err
	})
	return ids, err
}

// withIndex runs op, which uses the index at uk; when op meets an index of the old form,
// it converts the index and runs op once more.
func (r *RedisStore) withIndex(ctx context.Context, uk string, op func() error) error {
	err := op()
	if !isWrongType(err) {
		return err
	}
	if err := r.convertIndex(ctx, uk); err != nil {
		return err
	}
	return op()
}

// isWrongType reports a command that met a key of another type.
func isWrongType(err error) bool {
	var re redis.Error
	return errors.As(err, &re) && strings.HasPrefix(re.Error(), "WRONGTYPE")
}

// convertIndex turns an index of the old form (a set) at uk into the sorted set, scoring
// each listed session by the time its key has left (PTTL) and leaving out those already
// gone. It watches uk, so an id an older instance adds meanwhile is never lost: the
// conversion then starts again.
func (r *RedisStore) convertIndex(ctx context.Context, uk string) error {
	for range convertAttempts {
		err := r.client.Watch(ctx, func(tx *redis.Tx) error {
			typ, err := tx.Type(ctx, uk).Result()
			if err != nil || typ != "set" {
				return err // converted by another instance meanwhile, or gone
			}
			ids, err := tx.SMembers(ctx, uk).Result()
			if err != nil {
				return err
			}
			entries, err := r.indexEntries(ctx, ids)
			if err != nil {
				return err
			}
			_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.Del(ctx, uk)
				if len(entries) > 0 {
					p.ZAdd(ctx, uk, entries...)
					p.PExpire(ctx, uk, r.maxLifetime+indexSkew)
				}
				return nil
			})
			return err
		}, uk)
		if !errors.Is(err, redis.TxFailedErr) {
			if err != nil {
				return fmt.Errorf("session: redis convert index: %w", err)
			}
			return nil
		}
	}
	return fmt.Errorf("session: redis convert index: it changed during %d attempts", convertAttempts)
}

// indexEntries scores the sessions ids for the index by the time their keys have left,
// leaving out those that are gone. It reads the session keys outside any transaction: in a
// Cluster they live on other nodes than the index.
func (r *RedisStore) indexEntries(ctx context.Context, ids []string) ([]redis.Z, error) {
	ttls := make([]*redis.DurationCmd, len(ids))
	if _, err := r.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			ttls[i] = p.PTTL(ctx, r.sessionKey(id))
		}
		return nil
	}); err != nil {
		return nil, err
	}
	now := time.Now()
	entries := make([]redis.Z, 0, len(ids))
	for i, c := range ttls {
		left := c.Val()
		switch {
		case left == -2: // go-redis passes PTTL's -2 (no such key) and -1 (no expiry) through
			continue
		case left < 0:
			left = r.maxLifetime
		}
		entries = append(entries, redis.Z{Score: float64(now.Add(left + indexSkew).UnixMilli()), Member: ids[i]})
	}
	return entries, nil
}

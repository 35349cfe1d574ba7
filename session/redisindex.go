package session

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// The per-user index of a RedisStore, <prefix>uz:<userID>, is a sorted set of the user's
// session ids, each scored by the Unix millisecond after which its session has surely ended:
// its Put plus MaxLifetime (plus indexSkew), so the lowest scores are the oldest sessions.
// Every Put drops the entries whose score has passed (ZREMRANGEBYSCORE), so a login costs
// the same few commands however many sessions the user holds, and ends the oldest sessions
// beyond MaxPerUser. Every command names one key: the index and the session keys live in
// different hash slots, and go-redis splits a pipeline by slot.
//
// Earlier versions kept the index as a plain set at <prefix>u:<userID> (SADD, SMEMBERS,
// SREM), which this version calls the legacy index and never adds an id to: instances
// of both versions can share a Redis during a rolling upgrade, and no command of either ever
// meets a key of another type (WRONGTYPE). A Put that finds a legacy index folds it into the
// sorted set (foldLegacy); DeleteUser and DeleteUserBefore read both, so a session an
// earlier version logged in meanwhile is still ended.

// indexSkew pads the index's scores and expiry: an entry is dropped only this long after its
// session must have ended, so clocks that disagree between gateway instances and Redis can
// never drop the entry of a live session (which would then escape DeleteUser).
const indexSkew = 5 * time.Minute

// userIndex names the two keys of a user's index.
type userIndex struct {
	sorted string // <prefix>uz:<userID>, the sorted set this version keeps
	legacy string // <prefix>u:<userID>, the set of earlier versions
}

func (r *RedisStore) indexOf(userID string) userIndex {
	return userIndex{sorted: r.prefix + "uz:" + userID, legacy: r.prefix + "u:" + userID}
}

// indexAdd queues, on p, the index upkeep of a Put of id kept for life: drop the ended
// entries, add id, push the index's expiry out, and count the entries; and asks whether a
// legacy index exists. It returns the count and the answer.
func (r *RedisStore) indexAdd(ctx context.Context, p redis.Pipeliner, ix userIndex, id string, life time.Duration) (card, legacy *redis.IntCmd) {
	now := time.Now()
	p.ZRemRangeByScore(ctx, ix.sorted, "-inf", "("+strconv.FormatInt(now.UnixMilli(), 10))
	p.ZAdd(ctx, ix.sorted, redis.Z{Score: float64(now.Add(life + indexSkew).UnixMilli()), Member: id})
	p.PExpire(ctx, ix.sorted, life+indexSkew)
	return p.ZCard(ctx, ix.sorted), p.Exists(ctx, ix.legacy)
}

// foldLegacy moves the ids of the legacy index into the sorted set, scored by the time their
// session keys have left (those already gone are dropped), keeping the sorted set's expiry
// at least life past now and beyond every entry; then removes exactly those ids from the
// legacy index (which Redis deletes once empty). An id an earlier version adds meanwhile
// stays there for the next fold, and an id is in the sorted set before it leaves the legacy
// index, so none escapes a revocation. It returns the sorted set's new count (0 when the
// legacy index was gone meanwhile).
func (r *RedisStore) foldLegacy(ctx context.Context, ix userIndex, life time.Duration) (int64, error) {
	ids, err := r.client.SMembers(ctx, ix.legacy).Result()
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	entries, longest, err := r.indexEntries(ctx, ids)
	if err != nil {
		return 0, err
	}
	var card *redis.IntCmd
	if _, err := r.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		if len(entries) > 0 {
			p.ZAdd(ctx, ix.sorted, entries...)
			p.PExpire(ctx, ix.sorted, max(life, longest)+indexSkew)
		}
		card = p.ZCard(ctx, ix.sorted)
		return nil
	}); err != nil {
		return 0, err
	}
	members := make([]any, len(ids))
	for i, id := range ids {
		members[i] = id
	}
	return card.Val(), r.client.SRem(ctx, ix.legacy, members...).Err()
}

// endOldest ends the over oldest sessions listed in ix, never keep (the one just stored).
func (r *RedisStore) endOldest(ctx context.Context, ix userIndex, keep string, over int64) error {
	ids, err := r.client.ZRange(ctx, ix.sorted, 0, over).Result()
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
	if _, err := r.deleteListed(ctx, userIndex{sorted: ix.sorted}, victims); err != nil {
		return r.failed(fmt.Errorf("session: redis end oldest sessions: %w", err))
	}
	for _, id := range victims {
		if err := r.changed(ctx, invalidateSession+id); err != nil {
			return err
		}
	}
	return nil
}

// deleteListed deletes the sessions ids and removes them from the index ix (from its legacy
// set too, unless ix.legacy is empty), in one pipeline, and counts the session keys that
// existed.
func (r *RedisStore) deleteListed(ctx context.Context, ix userIndex, ids []string) (int, error) {
	dels := make([]*redis.IntCmd, len(ids))
	members := make([]any, len(ids))
	_, err := r.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			dels[i] = p.Del(ctx, r.sessionKey(id))
			members[i] = id
		}
		p.ZRem(ctx, ix.sorted, members...)
		if ix.legacy != "" {
			p.SRem(ctx, ix.legacy, members...)
		}
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

// indexed lists every session id of the index ix: its legacy set (SMEMBERS), then its sorted
// set (ZRANGE), one after the other. A fold moves ids from the legacy set into the sorted set
// (ZADD, then SREM), so reading in that order sees every id in one or the other; read together
// (one pipeline, whose parts go-redis sends to Cluster nodes concurrently), an id moved between
// the two reads would be in neither, and escape a revocation. An id in both (a fold under way)
// is listed twice, which deleteListed counts once: only the first DEL of a key finds it.
func (r *RedisStore) indexed(ctx context.Context, ix userIndex) ([]string, error) {
	legacy, err := r.client.SMembers(ctx, ix.legacy).Result()
	if err != nil {
		return nil, err
	}
	sorted, err := r.client.ZRange(ctx, ix.sorted, 0, -1).Result()
	if err != nil {
		return nil, err
	}
	return append(sorted, legacy...), nil
}

// indexEntries scores the sessions ids for the index by the time their keys have left,
// leaving out those that are gone, and returns the longest time left.
func (r *RedisStore) indexEntries(ctx context.Context, ids []string) ([]redis.Z, time.Duration, error) {
	ttls := make([]*redis.DurationCmd, len(ids))
	if _, err := r.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			ttls[i] = p.PTTL(ctx, r.sessionKey(id))
		}
		return nil
	}); err != nil {
		return nil, 0, err
	}
	now := time.Now()
	var longest time.Duration
	entries := make([]redis.Z, 0, len(ids))
	for i, c := range ttls {
		left := c.Val()
		switch {
		case left == -2: // go-redis passes PTTL's -2 (no such key) and -1 (no expiry) through
			continue
		case left < 0:
			left = r.maxLifetime
		}
		longest = max(longest, left)
		entries = append(entries, redis.Z{Score: float64(now.Add(left + indexSkew).UnixMilli()), Member: ids[i]})
	}
	return entries, longest, nil
}

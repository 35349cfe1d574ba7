package caddymodule

import (
	"fmt"
	"net"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/caddyserver/caddy/v2"
	"github.com/redis/go-redis/v9"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/session"
)

// journalPool shares the revocation journal of each Redis store (by its identity, without
// secrets) among the pooled stores over it: two configurations during a reload, or that
// differ only in a password or the session lifetime, append to and compact one file.
var journalPool = caddy.NewUsagePool()

// journalSubdir is the directory under Caddy's data directory holding the journals.
const journalSubdir = "kakaogate"

// journalDir is where the revocation journals live: the kakaogate directory in Caddy's data
// directory (caddy.AppDataDir: $XDG_DATA_HOME/caddy, ~/.local/share/caddy, …).
func journalDir() string {
	return filepath.Join(caddy.AppDataDir(), journalSubdir)
}

// pooledJournal is a revocation journal shared through journalPool.
type pooledJournal struct{ *session.Journal }

// Destruct closes the journal's file once no store uses it; its entries stay on disk.
func (p pooledJournal) Destruct() error { return p.Close() }

// checkJournalDir refuses, at provision, a Redis store whose revocation journal could not be
// kept: the directory must be writable. It creates and writes nothing (`caddy validate` runs
// Provision); the journal's file is opened on first use.
func checkJournalDir(s *config.SessionStore) error {
	if s.Store == config.StoreMemory {
		return nil // sessions die with the process: nothing to journal
	}
	if err := session.CheckJournalDir(journalDir()); err != nil {
		return fmt.Errorf("queued revocations must be kept on disk: %w", err)
	}
	return nil
}

// acquireJournal returns the shared journal of the Redis store s and its pool key; nil for a
// memory store.
func acquireJournal(s *config.SessionStore) (*session.Journal, string, error) {
	if s.Store == config.StoreMemory {
		return nil, "", nil
	}
	id, err := storeIdentity(s)
	if err != nil {
		return nil, "", err
	}
	key := "journal:" + id
	v, _, err := journalPool.LoadOrNew(key, func() (caddy.Destructor, error) {
		return pooledJournal{session.NewJournal(journalDir(), id)}, nil
	})
	if err != nil {
		return nil, "", err
	}
	return v.(pooledJournal).Journal, key, nil
}

// storeIdentity names the Redis data a store reaches, without secrets: the kind, user name,
// addresses (sorted) and database or master name. It is written into every journal entry and
// names the journal's file.
func storeIdentity(s *config.SessionStore) (string, error) {
	switch s.Store {
	case config.StoreRedis:
		opts, err := redis.ParseURL(s.URL)
		if err != nil {
			return "", fmt.Errorf("session redis URL: %w", err)
		}
		return "redis " + opts.Username + "@" + opts.Addr + "/" + strconv.Itoa(opts.DB), nil
	case config.StoreRedisCluster, config.StoreRedisSentinel:
		addrs := slices.Clone(s.Addresses)
		for i, a := range addrs {
			if host, port, err := net.SplitHostPort(a); err == nil {
				addrs[i] = net.JoinHostPort(strings.ToLower(host), port)
			}
		}
		slices.Sort(addrs)
		return s.Store + " " + s.Username + "@" + strings.Join(addrs, ",") + " " + s.MasterName, nil
	default:
		return "", fmt.Errorf("session store %q has no revocation journal", s.Store)
	}
}

package caddymodule

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/redis/go-redis/v9"
	"go.uber.org/zap"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/oidc"
	"github.com/kakaogate/kakaogate/session"
)

// Resources that outlive one configuration are shared through usage pools, keyed by their
// settings, so a config reload (old and new handlers overlap) and several handlers using the
// same store or issuer share one Redis connection pool, one memory store and one JWKS cache;
// and the metrics collectors keep counting across reloads. Every handler holds the metrics
// before its store and provider, and releases them last, so the collectors a pooled store or
// provider reports to outlive it. These pools are the package's only package-level state;
// Caddy's reload model requires it.
var (
	storePool    = caddy.NewUsagePool()
	providerPool = caddy.NewUsagePool()
	metricsPool  = caddy.NewUsagePool()
)

// Redis client timeouts: a slow or absent Redis must fail a request quickly (answered 503),
// never hang it.
const (
	redisDialTimeout   = 2 * time.Second
	redisIOTimeout     = time.Second
	redisPoolTimeout   = 2 * time.Second
	redisMaxRetries    = 1
	redisDialerRetries = 1
	// redisClusterReload bounds how stale the cluster client's slot map may get. A dead master
	// answers no MOVED, so without it go-redis (default 60 s) keeps sending a failed master's
	// slots to the dead node long after a replica took over. One CLUSTER SLOTS a second, only
	// while there is traffic.
	redisClusterReload = time.Second
)

// pooledStore is a session store shared through storePool, with the one Manager over it
// (whose cache of opened sessions every handler shares) and the revocation queue that retries
// ending a user's sessions while the store is down: they live as long as the store, so a
// config reload does not drop pending revocations. For a Redis store the queue is also kept
// in the store's revocation journal (journal.go), so it survives the process. Both log
// through sink, to the newest handler using them.
type pooledStore struct {
	sessions   *session.Manager
	locker     session.Locker
	revoker    *session.Revoker
	closer     func() error
	journalKey string // journalPool key; empty without a journal
	sink       *logSink
}

// Destruct stops the revocation queue, releases its journal and closes the store's
// connections once no configuration uses them any more.
func (p *pooledStore) Destruct() error {
	p.revoker.Close()
	var err error
	if p.journalKey != "" {
		_, err = journalPool.Delete(p.journalKey)
	}
	return errors.Join(err, p.closer())
}

// storeSettings are what a pooled store and its Manager are built from; equal settings share
// one store.
type storeSettings struct {
	Store      *config.SessionStore `json:"store"`
	Lifetime   time.Duration        `json:"lifetime"`
	Idle       time.Duration        `json:"idle,omitempty"`
	MaxPerUser int                  `json:"max_per_user,omitempty"`
}

// storeSettingsOf returns the store settings of a valid configuration.
func storeSettingsOf(cfg *config.Config) storeSettings {
	return storeSettings{
		Store: cfg.Session, Lifetime: time.Duration(cfg.SessionLifetime),
		Idle: time.Duration(cfg.IdleTimeout), MaxPerUser: cfg.MaxSessionsPerUser,
	}
}

// newPooledStore builds the Manager over store, reporting every store call to observe, and
// its revocation queue, kept in journal unless nil.
func newPooledStore(store session.Store, locker session.Locker, s storeSettings, logger *zap.Logger, observe session.Observer, journal *session.Journal, closer func() error) (*pooledStore, error) {
	m, err := session.NewManager(store, session.ManagerOptions{Lifetime: s.Lifetime, IdleTimeout: s.Idle, Observer: observe})
	if err != nil {
		return nil, err
	}
	revoker := session.NewRevoker(m, session.RevokerOptions{
		Journal: journal,
		OnSkippedEntry: func(path string, line int, err error) {
			logger.Error("revocation journal: entry skipped", zap.String("path", path), zap.Int("line", line), zap.Error(err))
		},
		OnError: func(userID string, err error) {
			switch {
			case errors.Is(err, session.ErrRevokeQueueFull) || errors.Is(err, session.ErrRevokerClosed):
				logger.Error("revocation dropped: the user's sessions were NOT ended", zap.String("user_id", userID), zap.Error(err))
				return
			case errors.Is(err, session.ErrJournal):
				logger.Error("revocation journal failed", zap.String("user_id", userID), zap.Error(err))
				return
			}
			logger.Error("revocation still failing; will retry", zap.String("user_id", userID), zap.Error(err))
		},
		OnRetrySuccess: func(userID string, n int) {
			logger.Warn("queued revocation completed", zap.String("user_id", userID), zap.Int("sessions", n))
		},
	})
	return &pooledStore{sessions: m, locker: locker, revoker: revoker, closer: closer}, nil
}

// storeKey identifies a session store by its settings (secrets included, so two
// configurations with different Redis passwords never share a client).
func storeKey(s storeSettings) string {
	b, _ := json.Marshal(s)
	return "session:" + string(b)
}

// acquireStore returns the shared store for s with its Manager, creating them on first use;
// every store call of the Manager is reported to observe. It does no network I/O: go-redis
// connects lazily. The caller attaches its logger to the store's sink.
func acquireStore(s storeSettings, observe session.Observer) (*pooledStore, string, error) {
	key := storeKey(s)
	v, _, err := storePool.LoadOrNew(key, func() (caddy.Destructor, error) {
		sink := newLogSink()
		p, err := newStore(s, sink.logger(), observe)
		if err != nil {
			return nil, err
		}
		p.sink = sink
		return p, nil
	})
	if err != nil {
		return nil, "", err
	}
	return v.(*pooledStore), key, nil
}

// newStore builds the store for s and its Manager, logging to logger.
func newStore(s storeSettings, logger *zap.Logger, observe session.Observer) (*pooledStore, error) {
	if s.Store.Store == config.StoreMemory {
		m := session.NewMemoryStore(session.MemoryOptions{MaxPerUser: s.MaxPerUser})
		return newPooledStore(m, session.NewMemoryLocker(nil), s, logger, observe, nil, m.Close)
	}
	client, err := newRedisClient(s.Store)
	if err != nil {
		return nil, err
	}
	journal, journalKey, err := acquireJournal(s.Store)
	if err != nil {
		client.Close()
		return nil, err
	}
	opts := session.RedisOptions{MaxLifetime: s.Lifetime, MaxPerUser: s.MaxPerUser}
	if !s.Store.NoCache {
		opts.Cache = redisCacheOptions(logger)
	}
	store := session.NewRedisStore(client, opts)
	closer := func() error {
		store.Close()
		return client.Close()
	}
	p, err := newPooledStore(store, session.NewRedisLocker(client, opts), s, logger, observe, journal, closer)
	if err != nil {
		_, _ = journalPool.Delete(journalKey)
		return nil, errors.Join(err, closer())
	}
	p.journalKey = journalKey
	return p, nil
}

// newRedisClient builds the go-redis client for a redis, redis_cluster or redis_sentinel store.
func newRedisClient(s *config.SessionStore) (redis.UniversalClient, error) {
	switch s.Store {
	case config.StoreRedis:
		opts, err := redis.ParseURL(s.URL)
		if err != nil {
			return nil, fmt.Errorf("session redis URL: %w", err)
		}
		opts.DialTimeout, opts.ReadTimeout, opts.WriteTimeout = redisDialTimeout, redisIOTimeout, redisIOTimeout
		opts.PoolTimeout, opts.MaxRetries, opts.DialerRetries = redisPoolTimeout, redisMaxRetries, redisDialerRetries
		opts.ContextTimeoutEnabled = true
		return redis.NewClient(opts), nil
	case config.StoreRedisCluster:
		return redis.NewClusterClient(&redis.ClusterOptions{
			Addrs: s.Addresses, Username: s.Username, Password: s.Password,
			DialTimeout: redisDialTimeout, ReadTimeout: redisIOTimeout, WriteTimeout: redisIOTimeout,
			PoolTimeout: redisPoolTimeout, MaxRetries: redisMaxRetries, DialerRetries: redisDialerRetries,
			ContextTimeoutEnabled: true, ClusterStateReloadInterval: redisClusterReload,
		}), nil
	case config.StoreRedisSentinel:
		return redis.NewFailoverClient(&redis.FailoverOptions{
			MasterName: s.MasterName, SentinelAddrs: s.Addresses, Username: s.Username, Password: s.Password,
			DialTimeout: redisDialTimeout, ReadTimeout: redisIOTimeout, WriteTimeout: redisIOTimeout,
			PoolTimeout: redisPoolTimeout, MaxRetries: redisMaxRetries, DialerRetries: redisDialerRetries,
			ContextTimeoutEnabled: true,
		}), nil
	default:
		return nil, fmt.Errorf("session store %q has no Redis client", s.Store)
	}
}

// pooledProvider is an OpenID provider (discovery + JWKS cache) shared through providerPool,
// with the HTTP client of every call to the provider and its user API. It logs through sink,
// to the newest handler using it.
type pooledProvider struct {
	provider *oidc.Provider
	client   *http.Client
	sink     *logSink
}

// Destruct stops the provider's background refreshes and closes idle connections.
func (p *pooledProvider) Destruct() error {
	p.provider.Close()
	p.client.CloseIdleConnections()
	return nil
}

// idpIdleConnsPerHost is how many idle connections to each provider host are kept. Go's
// default of 2 made every login beyond two concurrent ones dial again (and, with https, do
// a new TLS handshake) for its token and user API calls.
const idpIdleConnsPerHost = 64

// newIdPClient returns the HTTP client of the calls to an identity provider:
// http.DefaultTransport's settings (proxy from the environment, dial and TLS timeouts,
// HTTP/2), keeping more idle connections per host.
func newIdPClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = idpIdleConnsPerHost
	return &http.Client{Transport: t}
}

// acquireProvider returns the shared provider for issuer, creating it on first use. Discovery
// and key fetching happen lazily, on the first login, so start-up works with the IdP down.
// The caller attaches its logger to the provider's sink.
func acquireProvider(issuer string, opts oidc.ProviderOptions) (*pooledProvider, string, error) {
	key := "provider:" + issuer
	v, _, err := providerPool.LoadOrNew(key, func() (caddy.Destructor, error) {
		sink := newLogSink()
		opts.Issuer = issuer
		opts.HTTPClient = newIdPClient()
		opts.Logger = sink.logger().Named("oidc")
		p, err := oidc.NewProvider(opts)
		if err != nil {
			return nil, err
		}
		return &pooledProvider{provider: p, client: opts.HTTPClient, sink: sink}, nil
	})
	if err != nil {
		return nil, "", err
	}
	return v.(*pooledProvider), key, nil
}

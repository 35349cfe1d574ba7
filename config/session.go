package config

import "errors"

// validateConnection checks the options that say how to reach and authenticate to the
// store's servers against the store kind: Sentinel credentials only for redis_sentinel, and
// tls only for the stores whose addresses carry no scheme.
func (s *SessionStore) validateConnection() error {
	if (s.SentinelUsername != "" || s.SentinelPassword != "") && s.Store != StoreRedisSentinel {
		return errors.New("remove sentinel_username and sentinel_password, or use session redis_sentinel: " +
			"they authenticate to Redis Sentinels only")
	}
	if s.SentinelUsername != "" && s.SentinelPassword == "" {
		return errors.New("add sentinel_password next to sentinel_username: " +
			"a Sentinel user is authenticated by its password, and without one the Sentinels are reached unauthenticated")
	}
	if s.TLS {
		switch s.Store {
		case StoreRedis:
			return errors.New("remove tls and write the URL as rediss://…: session redis takes TLS from its URL's scheme")
		case StoreMemory:
			return errors.New("remove tls: session memory keeps sessions in this process and opens no connection")
		}
	}
	return nil
}

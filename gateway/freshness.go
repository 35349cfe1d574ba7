package gateway

import "time"

// tokenMaxAge is how old, by iat, an ID token that comes straight from the token endpoint (a
// login's or a refresh's) may be: id_token_max_age. A token a client presents is verified
// without it.
func (g *Gateway) tokenMaxAge() time.Duration { return time.Duration(g.cfg.IDTokenMaxAge) }

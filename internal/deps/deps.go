// Package deps pins module dependencies until the packages that use them land. Temporary.
package deps

import (
	_ "github.com/gorilla/securecookie"
	_ "github.com/lestrrat-go/jwx/v2/jwk"
	_ "github.com/redis/go-redis/v9"
	_ "go.uber.org/zap"
	_ "golang.org/x/sync/singleflight"
)

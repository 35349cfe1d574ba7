// Package deps pins module dependencies until the packages that use them land. Temporary.
package deps

import (
	_ "github.com/lestrrat-go/jwx/v2/jwk"
	_ "golang.org/x/sync/singleflight"
)

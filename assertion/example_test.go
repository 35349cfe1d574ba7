package assertion_test

import (
	"bytes"
	"fmt"
	"time"

	"github.com/kakaogate/kakaogate/assertion"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jwt"
)

// An upstream verifies the X-Auth-Assertion header against the key set the
// gateway serves at <prefix>/jwks.json.
func Example() {
	secret := bytes.Repeat([]byte("s"), 32) // in production: the cookie secret(s), newest first
	signer, err := assertion.NewSigner([][]byte{secret}, assertion.Options{Issuer: "https://app.example.com"})
	if err != nil {
		panic(err)
	}
	// Gateway, per request: the session's id, the request's host, the claims.
	header, err := signer.Assertion("session-id", "app.example.com", map[string]string{"id": "4242", "nickname": "라이언"})
	if err != nil {
		panic(err)
	}

	// Upstream: fetch and cache the key set, then verify each request.
	set, err := jwk.Parse(signer.JWKS())
	if err != nil {
		panic(err)
	}
	tok, err := jwt.Parse([]byte(header),
		jwt.WithKeySet(set),
		jwt.WithValidate(true),
		jwt.WithIssuer("https://app.example.com"),
		jwt.WithAudience("app.example.com"),
		jwt.WithAcceptableSkew(5*time.Second),
	)
	if err != nil {
		panic(err)
	}
	claims, _ := tok.Get("claims")
	fmt.Println(tok.Subject(), claims.(map[string]any)["nickname"])
	// Output: 4242 라이언
}

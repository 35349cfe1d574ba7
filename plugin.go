// Package kakaogate is a Caddy v2 authentication gateway: put it in front of any site and
// that site gets "Login with Kakao" (or any OpenID Connect provider) without changing its code.
//
// Importing this package registers the Caddy module http.handlers.kakaogate, its Caddyfile
// directive and global option, so `xcaddy build --with github.com/kakaogate/kakaogate` works.
package kakaogate

import _ "github.com/kakaogate/kakaogate/caddymodule"

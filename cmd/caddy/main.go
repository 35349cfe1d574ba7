// Command caddy is Caddy with its standard modules, kakaogate, and kakaogate's development-only
// Kakao emulator (the kakao_emulator handler), the way Caddy ships its development CA
// (acme_server) in its standard build. Build it with `go build ./cmd/caddy`.
package main

import (
	caddycmd "github.com/caddyserver/caddy/v2/cmd"

	_ "github.com/caddyserver/caddy/v2/modules/standard"

	_ "github.com/kakaogate/kakaogate"
	_ "github.com/kakaogate/kakaogate/kakaotest/caddyemulator"
)

func main() {
	caddycmd.Main()
}

// Package browser holds kakaogate's browser journeys: real Chromium (Debian's chromium,
// headless, driven over the DevTools protocol with chromedp) walks the login, consent, logout,
// auto-login and unlink flows through the real Caddy binary built from ./cmd/caddy, in front
// of a small sample app, against the Kakao emulator. Each journey saves a PNG screenshot of
// its pages under $KAKAOGATE_ARTIFACTS (default artifacts/screenshots in the repository).
//
// The package has tests only. Without Chromium they are skipped with a loud message, or fail
// when KAKAOGATE_REQUIRE_CHROMIUM=1 (as in CI); scripts/test installs Chromium when missing and
// running as root.
package browser

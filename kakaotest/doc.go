// Package kakaotest is a local stand-in for Kakao Login: the authorization
// server (kauth.kakao.com) and the user APIs (kapi.kakao.com) served from one
// base URL, with test users, consent screens, a Kakao Account browser
// session, the KakaoTalk in-app browser session, signed ID tokens, a
// rotatable JWKS, the unlink webhook and fault knobs.
//
// It follows the protocol as documented in the project's Kakao reference
// (shared/kakao-api.md). It is meant for tests and local development only:
// it keeps every state in memory, trusts whoever calls its /emulator/
// control endpoints, and shows a login page where anyone may sign in as any
// test user by pressing a button.
//
// Two ways to run it:
//
//   - [NewServer] starts it on a free loopback port (like httptest), for tests.
//   - [New] returns an [Emulator], an [net/http.Handler], for embedding (the
//     Caddy handler kakao_emulator in the caddyemulator subpackage uses it).
//
// # Endpoints
//
// Authorization server: GET /.well-known/openid-configuration,
// GET /.well-known/jwks.json, GET /oauth/authorize (then the login form,
// posted to /oauth/authorize/login, and the consent page at
// /oauth/authorize/consent), POST /oauth/token, GET|POST /oauth/logout
// (Kakao's bridge page). User APIs: GET|POST /v2/user/me,
// GET|POST /v1/oidc/userinfo, GET /v1/user/access_token_info,
// POST /v1/user/logout, POST /v1/user/unlink, POST /v1/user/signup,
// GET /v2/user/scopes, POST /v2/api/talk/memo/default/send (needs the
// talk_message scope; answers -402 without it). Control: POST
// /emulator/talk_user?id=<id>, POST /emulator/unlink?user_id=<id>.
//
// # Driving the pages
//
// [Login] walks the login and consent pages with an http.Client and a
// cookie jar; [SubmitForm] presses one button of any page's form (the
// emulator's bridge page, or a gateway's own confirmation pages);
// [ParseForms] returns a page's forms as a browser would submit them.
//
// # Test users
//
// [DefaultUsers] are 1001 (every item, verified and valid email, female,
// 20~29), 1002 (no email), 1003 (unverified email) and 1004 (a second full
// user, male, 30~39, with a Korean nickname). All start unlinked; the first
// agreed consent links them to the app.
//
// # Choices where Kakao's behaviour is not documented
//
//   - prompt=none without any Kakao session outside KakaoTalk redirects with
//     error=login_required [unconfirmed].
//   - prompt=login (and select_account, create) is ignored when the
//     User-Agent contains KAKAOTALK: the reference says prompt=login is not
//     available in the in-app browser, so the talk session is used as is.
//   - prompt=none combined with another prompt value redirects with
//     error=invalid_request (as OpenID Connect requires) [unconfirmed].
//   - A requested scope that is not one of the app's consent items
//     (Options.ConsentItems; default every item the emulator knows) stops on
//     Kakao's error page KOE205 and never redirects back, as Kakao does; an
//     unknown scope id is treated the same [unconfirmed]. The scope parameter
//     is split on commas and white space alike.
//   - A code_challenge with a method other than S256 (or none) redirects with
//     error=invalid_request [unconfirmed].
//   - A code is consumed by its first presentation at the token endpoint,
//     whatever the outcome; a failed PKCE check answers KOE320 invalid_grant
//     (HTTP 400) [unconfirmed], a redirect_uri mismatch KOE303, a wrong or
//     missing client secret KOE010 (HTTP 401), an unknown client_id KOE101
//     (HTTP 401) [statuses unconfirmed].
//   - The refresh-grant response carries no scope field (the reference does
//     not list it) and the refreshed ID token carries no nonce.
//   - POST /v1/user/logout with a Bearer token revokes that access token and
//     the refresh token of the same login (with an admin key: every token of
//     the user for that key's app, whichever of its keys got it). GET /oauth/logout revokes no token [unconfirmed]: an app
//     must call /v1/user/logout itself.
//   - Unknown property_keys entries answer 400 with code -2 [unconfirmed];
//     any properties.<key> is accepted (custom properties are the app's)
//     and returns the user's value when it has one.
//   - A POST unlink webhook carries a form body by default; Options.
//     WebhookFormat sends a JSON body instead, with the ids as strings or as
//     numbers [unconfirmed which one Kakao sends].
//   - The ID token header carries typ JWT [unconfirmed].
//   - prompt=select_account and prompt=create show the login form (the
//     emulator's account chooser and sign-up page).
//   - The consent page lists the requested items the user has a value for
//     and has not agreed yet, each a checked checkbox; profile_nickname is a
//     required item (agreed even if unticked, not revocable). A user who is
//     not linked sees the page even with no item left (agreeing links).
//   - An item outside Options.ConsentItems has <item>_needs_agreement false
//     in /v2/user/me and using false in /v2/user/scopes [unconfirmed: Kakao
//     may leave the flag out].
//   - has_signed_up is returned by /v2/user/me whenever auto-link is off,
//     whatever property_keys asks for.
//   - With auto-link off, a preregistered user (has_signed_up false) gets
//     -101 from APIs beyond login, user info, signup, logout and unlink (the
//     emulator's talk memo API) [which APIs: unconfirmed]; /v1/user/signup
//     links them once (then -102) and saves its properties, a key outside
//     Options.PropertyKeys answering -201 [msg unconfirmed].
//   - /v1/oidc/userinfo returns an unverified email with email_verified
//     false; the ID token leaves such an email out.
package kakaotest

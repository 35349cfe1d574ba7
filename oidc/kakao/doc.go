// Package kakao holds Kakao Login's extras on top of the generic OpenID
// Connect relying party in package oidc: the user API (/v2/user/me) mapped to
// flat claims with the *_needs_agreement flags, the logout, unlink, manual
// link (signup) and token-info APIs, the Kakao Account logout URL, the unlink
// webhook parser, KakaoTalk in-app browser detection, KOE error codes and the
// additional-consent scope rule.
//
// Every outbound call goes through [API], which sends the access token only
// in an Authorization header, bounds each call with a timeout, caps response
// bodies and never follows redirects. Errors from Kakao's API server arrive as
// [*APIError]; callers branch with errors.Is on [ErrTokenInvalid],
// [ErrInsufficientScope], [ErrNotLinked] and [ErrAlreadyLinked], and with
// [IsTransient] for failures that must not end a user's session.
//
// The package never logs; it returns errors with enough context for the
// caller to log, and none of them contain tokens or keys.
package kakao

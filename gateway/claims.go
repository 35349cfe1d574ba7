package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"go.uber.org/zap"

	"github.com/kakaogate/kakaogate/config"
	"github.com/kakaogate/kakaogate/oidc"
	"github.com/kakaogate/kakaogate/oidc/kakao"
)

// Bounds on the claims kept in a session: they travel in headers and on every store read.
const (
	maxClaims          = 64
	maxClaimNameLength = 64
	maxClaimValue      = 1024
)

// protocolClaims are ID-token claims about the token itself, not about the person.
var protocolClaims = map[string]bool{
	"iss": true, "aud": true, "exp": true, "iat": true, "nbf": true, "nonce": true, "azp": true,
	"at_hash": true, "c_hash": true, "jti": true, "auth_time": true, "acr": true, "amr": true,
}

// errUserMismatch means the provider's user API described another person than the ID token.
var errUserMismatch = errors.New("gateway: user info names another subject than the ID token")

// collectClaims builds the session's claims: the verified ID token's, then (with provider
// kakao) Kakao's /v2/user/me, which is authoritative, or (with provider oidc) the userinfo
// endpoint's. The claim "id" is always the stable user id (the ID token's sub; prefixed with
// "<name>:" for an additional provider), and with several providers "provider" names the one.
func (g *Gateway) collectClaims(ctx context.Context, p *idp, tok *oidc.Token, idt *oidc.IDToken) (map[string]string, error) {
	claims := make(map[string]string, 16)
	mergeClaims(claims, idt.Claims)
	if g.kakao != nil && !p.extra {
		user, err := g.kakao.UserMe(ctx, tok.AccessToken, g.cfg.PropertyKeys)
		if err != nil {
			return nil, fmt.Errorf("reading Kakao user info: %w", err)
		}
		kc := user.Claims()
		if kc["id"] != idt.Subject {
			return nil, errUserMismatch
		}
		if _, ok := kc["email"]; !ok {
			delete(claims, "email") // Kakao no longer vouches for it (invalid or unverified)
		}
		for k, v := range kc {
			setClaim(claims, k, v)
		}
		if err := g.signUp(ctx, tok.AccessToken, claims); err != nil {
			return nil, err
		}
	} else {
		g.mergeUserInfo(ctx, p, claims, tok, idt)
		if claims["email_verified"] != "true" {
			delete(claims, "email") // only verified addresses identify a person
		}
	}
	claims["sub"] = idt.Subject
	claims["id"] = p.userID(idt.Subject)
	if g.multi() {
		claims["provider"] = p.name
	}
	return claims, nil
}

// mergeUserInfo adds the userinfo endpoint's claims when the provider has one. A userinfo
// answer about another subject is discarded; an unreachable one leaves the ID token's claims.
func (g *Gateway) mergeUserInfo(ctx context.Context, p *idp, claims map[string]string, tok *oidc.Token, idt *oidc.IDToken) {
	md, err := p.rp.Provider.Metadata(ctx)
	if err != nil || md.UserinfoEndpoint == "" || tok.AccessToken == "" {
		return
	}
	info, err := p.rp.UserInfo(ctx, tok.AccessToken, idt.Subject)
	if err != nil {
		g.logger.Warn("userinfo not used", zap.Error(err))
		return
	}
	mergeClaims(claims, info)
}

// mergeClaims flattens JSON claims into strings: strings as they are, numbers in decimal,
// booleans as true/false, arrays of scalars joined with commas. Objects and protocol claims
// are skipped, and the bounds above apply.
func mergeClaims(dst map[string]string, src map[string]any) {
	names := make([]string, 0, len(src))
	for k := range src {
		names = append(names, k)
	}
	sort.Strings(names) // deterministic choice when the bound is hit
	for _, k := range names {
		if protocolClaims[k] {
			continue
		}
		if v, ok := flattenClaim(src[k]); ok {
			setClaim(dst, k, v)
		}
	}
}

func setClaim(dst map[string]string, k, v string) {
	if len(k) == 0 || len(k) > maxClaimNameLength || len(v) > maxClaimValue {
		return
	}
	if _, exists := dst[k]; !exists && len(dst) >= maxClaims {
		return
	}
	dst[k] = v
}

func flattenClaim(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	case json.Number:
		return x.String(), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			s, ok := flattenClaim(e)
			if !ok {
				return "", false
			}
			if _, nested := e.([]any); nested {
				return "", false
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, ","), true
	case []string:
		return strings.Join(x, ","), true
	default:
		return "", false
	}
}

// signUp links a preregistered person (auto-link off, has_signed_up false) when signup is
// auto; with signup app the claim stays false and the app sees X-Auth-Signed-Up: false.
func (g *Gateway) signUp(ctx context.Context, accessToken string, claims map[string]string) error {
	if claims["has_signed_up"] != "false" || g.cfg.Signup != config.SignupAuto {
		return nil
	}
	if _, err := g.kakao.Signup(ctx, accessToken, nil); err != nil && !errors.Is(err, kakao.ErrAlreadyLinked) {
		return fmt.Errorf("linking the Kakao user: %w", err)
	}
	claims["has_signed_up"] = "true"
	return nil
}

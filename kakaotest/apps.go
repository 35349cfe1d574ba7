package kakaotest

import (
	"crypto/subtle"
	"fmt"
	"net/url"
	"slices"
	"strconv"
)

// App is one more app key the emulator accepts besides the main one (Options.ClientID,
// ClientSecret, AppID, RedirectURIs): another key of the same Kakao app (a native app key,
// with the main AppID) or the key of another Kakao app (its own AppID). It can run the whole
// code flow and use the tokens it gets: the ID token's aud is its ClientID, and
// access_token_info reports its AppID, so a gateway's refusal of another app's token can be
// tested for real.
//
// The emulator keeps one link and consent state per user for every app key (real Kakao keeps
// one per app and gives each app its own user ids); tokens of another app therefore name the
// same user id, which is the harder case for a gateway: only the app id tells them apart.
type App struct {
	// ClientID is the app key sent as client_id. Required and unique.
	ClientID string
	// ClientSecret is checked at the token endpoint; empty means the key has no client
	// secret (as native app keys, whose apps cannot keep one).
	ClientSecret string
	// AppID is the numeric app id access_token_info reports for its tokens. Required.
	AppID string
	// RedirectURIs are its registered redirect URIs, matched exactly (a native app's is
	// e.g. kakao<native app key>://oauth). Required.
	RedirectURIs []string
	// AdminKey is the admin key of another Kakao app (one with its own AppID): Kakao gives
	// each app its own admin keys, so admin calls (Authorization: KakaoAK <key>) accept it
	// besides Options.AdminKey. Empty: that app has no admin key here. A key of the main app
	// (the main AppID) leaves it empty, since the admin key belongs to the app, not to one of
	// its keys, and it may not repeat another app's admin key.
	AdminKey string
}

// appKey is the app key a request names: the main one or one of Options.Apps.
type appKey struct {
	clientID, secret, appID string
	noSecret                bool
	redirectURIs            []string
}

// appByClientID returns the app key called clientID.
func (e *Emulator) appByClientID(clientID string) (appKey, bool) {
	if clientID == e.opts.ClientID {
		return appKey{clientID: clientID, secret: e.opts.ClientSecret, appID: e.opts.AppID,
			noSecret: e.opts.DisableClientSecret, redirectURIs: e.opts.RedirectURIs}, true
	}
	for _, a := range e.opts.Apps {
		if a.ClientID == clientID {
			return appKey{clientID: a.ClientID, secret: a.ClientSecret, appID: a.AppID,
				noSecret: a.ClientSecret == "", redirectURIs: a.RedirectURIs}, true
		}
	}
	return appKey{}, false
}

// secretMatches checks the client_secret sent to the token endpoint.
func (a appKey) secretMatches(sent string) bool {
	return a.noSecret || subtle.ConstantTimeCompare([]byte(sent), []byte(a.secret)) == 1
}

// appIDOf returns the app id of the app key clientID ("" for a key no longer known).
func (e *Emulator) appIDOf(clientID string) string {
	a, _ := e.appByClientID(clientID)
	return a.appID
}

// adminKeyApp returns the app id of the app whose admin key key is (the main app's or
// another app's); ok is false for a key of no app.
func (e *Emulator) adminKeyApp(key string) (appID string, ok bool) {
	if subtle.ConstantTimeCompare([]byte(key), []byte(e.opts.AdminKey)) == 1 {
		appID, ok = e.opts.AppID, true
	}
	for _, a := range e.opts.Apps {
		if a.AdminKey != "" && subtle.ConstantTimeCompare([]byte(key), []byte(a.AdminKey)) == 1 {
			appID, ok = a.AppID, true
		}
	}
	return appID, ok
}

// validateApps checks Options.Apps.
func (o Options) validateApps() error {
	seen := map[string]bool{o.ClientID: true}
	adminKeys := map[string]string{o.AdminKey: o.AppID}
	for i, a := range o.Apps {
		if a.ClientID == "" || seen[a.ClientID] {
			return fmt.Errorf("kakaotest: Apps[%d]: ClientID must be set and differ from every other app key", i)
		}
		seen[a.ClientID] = true
		if a.AdminKey != "" {
			if a.AppID == o.AppID {
				return fmt.Errorf("kakaotest: Apps[%d]: a key of the main app shares Options.AdminKey; AdminKey is for another app", i)
			}
			if owner, ok := adminKeys[a.AdminKey]; ok && owner != a.AppID {
				return fmt.Errorf("kakaotest: Apps[%d]: AdminKey is already the admin key of app %s", i, owner)
			}
			adminKeys[a.AdminKey] = a.AppID
		}
		if _, err := strconv.ParseInt(a.AppID, 10, 64); err != nil {
			return fmt.Errorf("kakaotest: Apps[%d]: AppID %q must be a number", i, a.AppID)
		}
		if len(a.RedirectURIs) == 0 {
			return fmt.Errorf("kakaotest: Apps[%d]: RedirectURIs is required", i)
		}
		for _, raw := range a.RedirectURIs {
			if u, err := url.Parse(raw); err != nil || !u.IsAbs() || u.Host == "" {
				return fmt.Errorf("kakaotest: Apps[%d]: redirect URI %q is not an absolute URL", i, raw)
			}
		}
	}
	return nil
}

// cloneApps copies apps with their slices.
func cloneApps(apps []App) []App {
	out := slices.Clone(apps)
	for i := range out {
		out[i].RedirectURIs = slices.Clone(out[i].RedirectURIs)
	}
	return out
}

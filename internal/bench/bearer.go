package main

import (
	"fmt"

	"github.com/kakaogate/kakaogate/kakaotest"
)

// benchNativeApp is the native app key of the benchmark's Kakao app: its code flow gives the
// bearer scenario's access token.
var benchNativeApp = kakaotest.App{ClientID: "bench-native-app-key", AppID: kakaotest.DefaultAppID,
	RedirectURIs: []string{"kakaobench-native-app-key://oauth"}}

// bearerOptions are the extra kakaogate lines of the bearer site (memory store).
const bearerOptions = "\n\t\tapp_id " + kakaotest.DefaultAppID + "\n\t\tbearer"

// prepareBearer gets wrkUser's token through the native app's code flow when a scenario
// needs it. The check request then fills the gateway's cache: wrk measures cached tokens.
func (l *lab) prepareBearer(scenarios []scenario) error {
	for _, sc := range scenarios {
		if !sc.bearer {
			continue
		}
		tok, err := kakaotest.AppLogin(l.emulator.URL(), benchNativeApp, wrkUser)
		if err != nil {
			return fmt.Errorf("native app login: %w", err)
		}
		l.bearerToken = tok.AccessToken
		return nil
	}
	return nil
}

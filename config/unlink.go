package config

import (
	"errors"
	"fmt"
	"net/url"
)

// UnlinkOptions say how an unlink (a person disconnecting the app from their Kakao Account)
// reaches the gateway and the app: Kakao's unlink webhook and the app's own notification.
type UnlinkOptions struct {
	// AdminKey is the app's Kakao admin key; the unlink webhook must present it as
	// `Authorization: KakaoAK <admin key>`. The webhook is served only when both it and AppID
	// are set.
	AdminKey string `json:"admin_key,omitempty"`

	// AppID is the Kakao app id: the unlink webhook must name it, and bearer access tokens
	// must belong to it. It may be set without AdminKey (the webhook stays off until both
	// are set); bearer access with provider kakao requires it.
	AppID string `json:"app_id,omitempty"`

	// OnUnlink is a URL of the app that receives every unlink (webhook or unlink page) as a
	// POST of JSON {"user_id","referrer_type","source"}, so it can delete the person's data.
	OnUnlink string `json:"on_unlink,omitempty"`
}

// inherit fills the unlink options u leaves unset from d.
func (u *UnlinkOptions) inherit(d UnlinkOptions) {
	setString(&u.AdminKey, d.AdminKey)
	setString(&u.AppID, d.AppID)
	setString(&u.OnUnlink, d.OnUnlink)
}

// validate checks the unlink options for provider.
func (u *UnlinkOptions) validate(provider string) []error {
	var errs []error
	if provider != ProviderKakao {
		if u.AdminKey != "" {
			errs = append(errs, kakaoOnly("admin_key"))
		}
		if u.AppID != "" {
			errs = append(errs, kakaoOnly("app_id"))
		}
	}
	if u.AdminKey != "" && u.AppID == "" {
		errs = append(errs, errors.New("admin_key needs app_id: the unlink webhook is checked against both"))
	}
	if u.OnUnlink != "" {
		// The app is usually reached over an internal network, so plain http is allowed here.
		if p, err := url.Parse(u.OnUnlink); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			errs = append(errs, fmt.Errorf("on_unlink %q must be an absolute http(s) URL of the app, e.g. http://127.0.0.1:3000/hooks/kakao-unlink", u.OnUnlink))
		}
	}
	return errs
}

package config

// Inherit fills every option that c leaves unset with the value from defaults, the global
// kakaogate options. Lists are taken whole: a handler that sets scopes replaces the global
// scopes rather than adding to them.
func (c *Config) Inherit(defaults Config) {
	setString(&c.Provider, defaults.Provider)
	setString(&c.ClientID, defaults.ClientID)
	setString(&c.ClientSecret, defaults.ClientSecret)
	setString(&c.Issuer, defaults.Issuer)
	setString(&c.APIURL, defaults.APIURL)
	setSlice(&c.Scopes, defaults.Scopes)
	setSlice(&c.PropertyKeys, defaults.PropertyKeys)
	setString(&c.RedirectURL, defaults.RedirectURL)
	setString(&c.PathPrefix, defaults.PathPrefix)
	setSlice(&c.CookieSecrets, defaults.CookieSecrets)
	c.InsecureCookies = c.InsecureCookies || defaults.InsecureCookies
	if c.Session == nil && defaults.Session != nil {
		s := *defaults.Session
		s.Addresses = append([]string(nil), s.Addresses...)
		c.Session = &s
	}
	if c.SessionLifetime == 0 {
		c.SessionLifetime = defaults.SessionLifetime
	}
	setSlice(&c.Headers, defaults.Headers)
	setString(&c.Logout, defaults.Logout)
	setString(&c.PostLogoutRedirect, defaults.PostLogoutRedirect)
	setString(&c.Templates, defaults.Templates)
	setSlice(&c.Providers, defaults.Providers)
	setString(&c.AdminToken, defaults.AdminToken)
	c.PassAccessToken = c.PassAccessToken || defaults.PassAccessToken
	c.Assertion = c.Assertion || defaults.Assertion
	c.inheritBearer(defaults.Bearer)
	c.LoginOptions.inherit(defaults.LoginOptions)
	c.SignupOptions.inherit(defaults.SignupOptions)
	c.AccessRules.inherit(defaults.AccessRules)
	c.UnlinkOptions.inherit(defaults.UnlinkOptions)
	c.CookieOptions.inherit(defaults.CookieOptions)
	c.EdgeOptions.inherit(defaults.EdgeOptions)
	c.SessionOptions.inherit(defaults.SessionOptions)
}

func setString(dst *string, def string) {
	if *dst == "" {
		*dst = def
	}
}

func setSlice[T any](dst *[]T, def []T) {
	if len(*dst) == 0 && len(def) > 0 {
		*dst = append([]T(nil), def...)
	}
}

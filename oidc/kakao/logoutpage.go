package kakao

import (
	"fmt"
	"net/url"
	"strings"
)

// DefaultAuthBaseURL is Kakao's authorization server.
const DefaultAuthBaseURL = "https://kauth.kakao.com"

// AccountLogoutURL builds the URL that sends a browser to Kakao's logout
// bridge page: <authBaseURL>/oauth/logout?client_id=…&logout_redirect_uri=…&state=….
// There the person chooses to log out of this service only or of the Kakao
// Account too; either way Kakao redirects to logoutRedirectURI with state, and
// nothing tells the service which was chosen, so treat both as a local logout.
//
// authBaseURL is e.g. DefaultAuthBaseURL (https, or http on a loopback host;
// an empty value means the default). clientID is the REST API key.
// logoutRedirectURI must be an absolute http(s) URL registered in the Kakao
// console under Kakao Login > Logout Redirect URI (else Kakao shows KOE007).
// An empty state is left out.
func AccountLogoutURL(authBaseURL, clientID, logoutRedirectURI, state string) (string, error) {
	if authBaseURL == "" {
		authBaseURL = DefaultAuthBaseURL
	}
	u, err := parseServiceURL(authBaseURL)
	if err != nil {
		return "", fmt.Errorf("kakao: account logout url: auth base url: %w", err)
	}
	if clientID == "" {
		return "", fmt.Errorf("kakao: account logout url: empty client id")
	}
	r, err := url.Parse(logoutRedirectURI)
	if err != nil {
		return "", fmt.Errorf("kakao: account logout url: logout redirect uri: %w", err)
	}
	if (r.Scheme != "https" && r.Scheme != "http") || r.Host == "" || r.Fragment != "" {
		return "", fmt.Errorf("kakao: account logout url: logout redirect uri %q must be an absolute http(s) URL without a fragment", logoutRedirectURI)
	}
	q := url.Values{
		"client_id":           {clientID},
		"logout_redirect_uri": {logoutRedirectURI},
	}
	if state != "" {
		q.Set("state", state)
	}
	u.Path = strings.TrimRight(u.Path, "/") + "/oauth/logout"
	u.RawPath = ""
	u.RawQuery = q.Encode()
	return u.String(), nil
}

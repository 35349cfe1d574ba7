package kakao

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kakaogate/kakaogate/internal/secureurl"
)

// DefaultBaseURL is Kakao's API server, used when [API.BaseURL] is empty.
const DefaultBaseURL = "https://kapi.kakao.com"

// DefaultTimeout bounds every API call when [API.Timeout] is zero or negative.
const DefaultTimeout = 5 * time.Second

// MaxResponseBytes caps every response body read from the API server. A larger
// body is an error, not a truncated read.
const MaxResponseBytes = 1 << 20

// formContentType is the request body type Kakao documents for every API.
const formContentType = "application/x-www-form-urlencoded;charset=utf-8"

// ErrUnavailable marks a call that failed before Kakao answered: a refused
// connection, a DNS failure or the call's timeout. [IsTransient] reports true
// for it. A call abandoned because the caller's own context ended does not
// carry it.
var ErrUnavailable = errors.New("kakao: api unavailable")

// API calls Kakao's API server (kapi). The zero value is ready to use and
// talks to [DefaultBaseURL] with [http.DefaultClient]'s transport. An API is
// safe for concurrent use as long as its fields are not changed.
type API struct {
	// BaseURL is the API server's root URL, e.g. "https://kapi.kakao.com"
	// (the default) or an emulator's "http://127.0.0.1:9090". It must be
	// https, except for loopback hosts; a path prefix is allowed.
	BaseURL string
	// HTTPClient sends the requests. Nil means http.DefaultClient. Its
	// redirect policy is ignored: redirects are never followed, so a token
	// never travels to another URL.
	HTTPClient *http.Client
	// Timeout bounds each call, including reading the body. Zero or negative
	// means DefaultTimeout.
	Timeout time.Duration
}

// credential is the value of the Authorization header of one call.
type credential struct {
	scheme string // "Bearer" or "KakaoAK"
	secret string // access token or admin key; never logged or put in errors
}

// header returns the Authorization header value.
func (c credential) header() string { return c.scheme + " " + c.secret }

// bearer returns the credential for a user access token.
func bearer(accessToken string) (credential, error) {
	if err := checkSecret(accessToken); err != nil {
		return credential{}, fmt.Errorf("kakao: access token: %w", err)
	}
	return credential{scheme: "Bearer", secret: accessToken}, nil
}

// adminKey returns the credential for an app's admin key.
func adminKey(key string) (credential, error) {
	if err := checkSecret(key); err != nil {
		return credential{}, fmt.Errorf("kakao: admin key: %w", err)
	}
	return credential{scheme: "KakaoAK", secret: key}, nil
}

// checkSecret rejects values that are empty or cannot be sent in a header.
func checkSecret(s string) error {
	if s == "" {
		return errors.New("empty")
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c == 0x7f {
			return errors.New("contains whitespace or control characters")
		}
	}
	return nil
}

// call sends one request and decodes a 2xx JSON body into out. GET sends
// params in the query string; POST sends them as a form body. Non-2xx answers
// become *APIError.
func (a *API) call(ctx context.Context, method, path string, cred credential, params url.Values, out any) error {
	endpoint := method + " " + path
	target, err := a.endpointURL(path)
	if err != nil {
		return fmt.Errorf("kakao: %s: %w", endpoint, err)
	}
	var body io.Reader
	if method == http.MethodGet {
		if len(params) > 0 {
			target.RawQuery = params.Encode()
		}
	} else {
		body = strings.NewReader(params.Encode())
	}

	callCtx, cancel := context.WithTimeout(ctx, a.timeout())
	defer cancel()
	req, err := http.NewRequestWithContext(callCtx, method, target.String(), body)
	if err != nil {
		return fmt.Errorf("kakao: %s: building request: %w", endpoint, err)
	}
	req.Header.Set("Authorization", cred.header())
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", formContentType)
	}

	resp, err := a.client().Do(req)
	if err != nil {
		return transportError(ctx, endpoint, err)
	}
	defer resp.Body.Close()
	raw, err := readCapped(resp.Body)
	if err != nil {
		if errors.Is(err, errBodyTooLarge) {
			return fmt.Errorf("kakao: %s: %w", endpoint, err)
		}
		return transportError(ctx, endpoint, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return parseAPIError(endpoint, resp.StatusCode, resp.Header, raw)
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("kakao: %s: decoding response: %w", endpoint, err)
	}
	return nil
}

// transportError wraps a failure to get an answer. It is transient unless the
// caller's own context ended (then the caller gave up; nothing failed).
func transportError(parent context.Context, endpoint string, err error) error {
	if parent.Err() != nil {
		return fmt.Errorf("kakao: %s: %w", endpoint, err)
	}
	return fmt.Errorf("%w: %s: %w", ErrUnavailable, endpoint, err)
}

// errBodyTooLarge reports a response over MaxResponseBytes.
var errBodyTooLarge = fmt.Errorf("response body exceeds %d bytes", MaxResponseBytes)

// readCapped reads a whole body of at most MaxResponseBytes.
func readCapped(r io.Reader) ([]byte, error) {
	var buf bytes.Buffer
	n, err := buf.ReadFrom(io.LimitReader(r, MaxResponseBytes+1))
	if err != nil {
		return nil, err
	}
	if n > MaxResponseBytes {
		return nil, errBodyTooLarge
	}
	return buf.Bytes(), nil
}

// client returns a copy of the configured client that never follows redirects.
func (a *API) client() *http.Client {
	c := http.DefaultClient
	if a.HTTPClient != nil {
		c = a.HTTPClient
	}
	cp := *c
	cp.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cp
}

// timeout returns the per-call time limit.
func (a *API) timeout() time.Duration {
	if a.Timeout > 0 {
		return a.Timeout
	}
	return DefaultTimeout
}

// endpointURL joins BaseURL and path after checking BaseURL is safe to send
// a token to.
func (a *API) endpointURL(path string) (*url.URL, error) {
	base := a.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	u, err := parseServiceURL(base)
	if err != nil {
		return nil, fmt.Errorf("base url: %w", err)
	}
	u.Path = strings.TrimRight(u.Path, "/") + path
	u.RawPath = ""
	return u, nil
}

// parseServiceURL parses the root URL of a Kakao server (or emulator): the
// https-or-loopback rule of [secureurl.Parse], and no query.
func parseServiceURL(raw string) (*url.URL, error) {
	u, err := secureurl.Parse(raw)
	if err != nil {
		return nil, err
	}
	if u.RawQuery != "" || u.ForceQuery {
		return nil, fmt.Errorf("%q: remove the query", raw)
	}
	return u, nil
}

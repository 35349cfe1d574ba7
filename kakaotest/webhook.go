package kakaotest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// Referrer types of the unlink webhook (referrer_type).
const (
	// ReferrerUnlinkFromApps: the user unlinked the app in the Kakao Account
	// "connected services" or KakaoTalk settings.
	ReferrerUnlinkFromApps = "UNLINK_FROM_APPS"
	// ReferrerAccountDelete: the Kakao Account was deleted.
	ReferrerAccountDelete = "ACCOUNT_DELETE"
	// ReferrerForcedAccountDelete: the account was deleted after long
	// dormancy or by Kakao's customer service.
	ReferrerForcedAccountDelete = "FORCED_ACCOUNT_DELETE"
	// ReferrerUnlinkFromAdmin: Kakao's admin or customer service unlinked it.
	ReferrerUnlinkFromAdmin = "UNLINK_FROM_ADMIN"
	// ReferrerIncompleteSignUp: a preregistered user was not signed up
	// within 24 h.
	ReferrerIncompleteSignUp = "INCOMPLETE_SIGN_UP"
)

// ErrWebhookStatus is wrapped by [Emulator.Unlink] when the webhook
// receiver answered anything but 200 OK (redirects are not followed).
var ErrWebhookStatus = errors.New("kakaotest: unlink webhook: receiver did not answer 200 OK")

// errNotLoopback is returned by the default webhook client's dialer for a
// non-loopback address.
var errNotLoopback = errors.New("kakaotest: webhook address is not a loopback address (set WebhookAllowNonLoopback)")

// newWebhookClient returns the default webhook client: bounded by timeout,
// no redirects, no proxy, and (unless allowNonLoopback) connecting to
// loopback addresses only, checked on the resolved address.
func newWebhookClient(timeout time.Duration, allowNonLoopback bool) *http.Client {
	dialer := &net.Dialer{Timeout: timeout}
	if !allowNonLoopback {
		dialer.Control = func(_, address string, _ syscall.RawConn) error {
			host, _, err := net.SplitHostPort(address)
			if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
				return errNotLoopback
			}
			return nil
		}
	}
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			DialContext:           dialer.DialContext,
			TLSHandshakeTimeout:   timeout,
			ResponseHeaderTimeout: timeout,
			MaxIdleConns:          4,
			IdleConnTimeout:       30 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// sendWebhook delivers the unlink webhook: the configured method (GET
// query or POST form), Authorization: KakaoAK <admin key>, and app_id,
// user_id, referrer_type. It waits at most WebhookTimeout.
func (e *Emulator) sendWebhook(ctx context.Context, userID int64, referrerType string) error {
	params := url.Values{
		"app_id":        {e.opts.AppID},
		"user_id":       {itoa(userID)},
		"referrer_type": {referrerType},
	}.Encode()
	ctx, cancel := context.WithTimeout(ctx, e.opts.WebhookTimeout)
	defer cancel()
	target, body := e.opts.WebhookURL, io.Reader(nil)
	if e.opts.WebhookMethod == http.MethodGet {
		sep := "?"
		if strings.Contains(target, "?") {
			sep = "&"
		}
		target += sep + params
	} else {
		body = strings.NewReader(params)
	}
	req, err := http.NewRequestWithContext(ctx, e.opts.WebhookMethod, target, body)
	if err != nil {
		return fmt.Errorf("kakaotest: unlink webhook: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded;charset=utf-8")
	}
	req.Header.Set("Authorization", "KakaoAK "+e.opts.AdminKey)
	req.Header.Set("User-Agent", "kakaotest-webhook")
	resp, err := e.webhook.Do(req)
	if err != nil {
		return fmt.Errorf("kakaotest: unlink webhook: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: status %d", ErrWebhookStatus, resp.StatusCode)
	}
	return nil
}

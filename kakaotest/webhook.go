package kakaotest

import (
	"context"
	"encoding/json"
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

// Formats of a POST unlink webhook (Options.WebhookFormat). Kakao's unlink
// guide says the POST body carries the fields; its general webhook guide
// says JSON or query parameters [unconfirmed which one a given app gets]:
// the emulator can send each, so receivers are tested against all of them.
const (
	// WebhookForm: an application/x-www-form-urlencoded body.
	WebhookForm = "form"
	// WebhookJSON: a JSON body with app_id and user_id as strings, as
	// Kakao's reference lists them (String).
	WebhookJSON = "json"
	// WebhookJSONNumbers: a JSON body with app_id and user_id as numbers.
	WebhookJSONNumbers = "json_numbers"
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
// query, or POST with a body in Options.WebhookFormat), Authorization:
// KakaoAK <admin key>, and app_id, user_id, referrer_type. It waits at most
// WebhookTimeout.
func (e *Emulator) sendWebhook(ctx context.Context, userID int64, referrerType string) error {
	ctx, cancel := context.WithTimeout(ctx, e.opts.WebhookTimeout)
	defer cancel()
	req, err := e.webhookRequest(ctx, userID, referrerType)
	if err != nil {
		return fmt.Errorf("kakaotest: unlink webhook: %w", err)
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

// webhookRequest builds the unlink webhook request (without Authorization).
func (e *Emulator) webhookRequest(ctx context.Context, userID int64, referrerType string) (*http.Request, error) {
	params := url.Values{
		"app_id":        {e.opts.AppID},
		"user_id":       {itoa(userID)},
		"referrer_type": {referrerType},
	}
	if e.opts.WebhookMethod == http.MethodGet {
		target, sep := e.opts.WebhookURL, "?"
		if strings.Contains(target, "?") {
			sep = "&"
		}
		return http.NewRequestWithContext(ctx, http.MethodGet, target+sep+params.Encode(), nil)
	}
	body, contentType := params.Encode(), "application/x-www-form-urlencoded;charset=utf-8"
	if e.opts.WebhookFormat != WebhookForm {
		fields := map[string]any{"app_id": e.opts.AppID, "user_id": itoa(userID), "referrer_type": referrerType}
		if e.opts.WebhookFormat == WebhookJSONNumbers {
			fields["app_id"], fields["user_id"] = json.Number(e.opts.AppID), userID
		}
		b, err := json.Marshal(fields)
		if err != nil {
			return nil, err
		}
		body, contentType = string(b), "application/json;charset=utf-8"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.opts.WebhookURL, strings.NewReader(body))
	if err == nil {
		req.Header.Set("Content-Type", contentType)
	}
	return req, err
}

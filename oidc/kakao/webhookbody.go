package kakao

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
)

// webhookParams reads the query string and, for POST, the capped body (a form
// or a JSON object), the body's parameters replacing the query's.
func webhookParams(r *http.Request) (url.Values, error) {
	var rawQuery string
	if r.URL != nil {
		rawQuery = r.URL.RawQuery
	}
	if len(rawQuery) > MaxWebhookBytes {
		return nil, fmt.Errorf("%w: query string exceeds %d bytes", ErrWebhookBadRequest, MaxWebhookBytes)
	}
	params, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, fmt.Errorf("%w: query string: %w", ErrWebhookBadRequest, err)
	}
	if r.Method != http.MethodPost || r.Body == nil {
		return params, nil
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxWebhookBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: reading body: %w", ErrWebhookBadRequest, err)
	}
	if len(body) > MaxWebhookBytes {
		return nil, fmt.Errorf("%w: body exceeds %d bytes", ErrWebhookBadRequest, MaxWebhookBytes)
	}
	var fields url.Values
	switch webhookBodyType(r.Header.Get("Content-Type"), body) {
	case "application/x-www-form-urlencoded":
		fields, err = url.ParseQuery(string(body))
	case "application/json":
		fields, err = jsonWebhookFields(body)
	default:
		return nil, fmt.Errorf("%w: content type is neither a form nor JSON", ErrWebhookBadRequest)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: body: %w", ErrWebhookBadRequest, err)
	}
	for k, v := range fields {
		params[k] = v
	}
	return params, nil
}

// webhookBodyType is the media type of a webhook body: the Content-Type's,
// or without one a JSON object when the body starts with "{", else a form.
func webhookBodyType(contentType string, body []byte) string {
	if contentType == "" {
		if bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) {
			return "application/json"
		}
		return "application/x-www-form-urlencoded"
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	return mt
}

// errJSONShape reports a JSON body that is not one object of scalar fields.
var errJSONShape = errors.New("not a JSON object of strings and numbers")

// jsonWebhookFields reads a JSON object body into parameters: string values
// as they are, numbers as their literal text (so an id keeps every digit).
// Booleans, null, nested values and trailing data are errors for the fields
// this package reads and skipped for others; a repeated field is an error.
func jsonWebhookFields(body []byte) (url.Values, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, errJSONShape
	}
	fields := url.Values{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, errJSONShape
		}
		key, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, errJSONShape
		}
		if _, seen := fields[key]; seen {
			return nil, fmt.Errorf("%s repeated", key)
		}
		v, ok := jsonScalar(raw)
		switch {
		case ok:
			fields[key] = []string{v}
		case webhookFields[key]:
			return nil, fmt.Errorf("%s is not a string or a number", key)
		}
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim('}') {
		return nil, errJSONShape
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errJSONShape
	}
	return fields, nil
}

// webhookFields are the fields of the unlink webhook this package reads.
var webhookFields = map[string]bool{"app_id": true, "user_id": true, "referrer_type": true, "group_user_token": true}

// jsonScalar returns a JSON string's value or a number's literal text.
func jsonScalar(raw json.RawMessage) (string, bool) {
	if string(raw) == "null" {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, true
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String(), true
	}
	return "", false
}

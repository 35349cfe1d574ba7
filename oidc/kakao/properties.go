package kakao

import (
	"bytes"
	"encoding/json"
	"strings"
)

// PropertyClaimPrefix begins the claim name of each custom user property:
// the property "level" is the claim "properties.level". The prefix keeps an
// app's property from ever standing in for an identity claim such as "id" or
// "email".
const PropertyClaimPrefix = "properties."

// legacyProperties are the properties Kakao fills from the profile for older
// apps; they repeat nickname, profile_image and picture and are not claims.
var legacyProperties = map[string]bool{"nickname": true, "profile_image": true, "thumbnail_image": true}

// textProperties reads the "properties" object of a user object. Kakao's
// reference describes the values as strings, but an app's properties may
// hold numbers or booleans: every value is kept as text (a string as it is, a
// number as written, true/false), a nested value as its compact JSON, and
// null is left out. A "properties" that is not an object is ignored rather
// than failing the login.
type textProperties map[string]string

// UnmarshalJSON never fails on the values' types.
func (p *textProperties) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if json.Unmarshal(b, &raw) != nil || raw == nil {
		*p = nil
		return nil
	}
	out := make(textProperties, len(raw))
	for k, v := range raw {
		if s, ok := propertyText(v); ok {
			out[k] = s
		}
	}
	*p = out
	return nil
}

// propertyText is the text of one property value; false for null.
func propertyText(v json.RawMessage) (string, bool) {
	var s string
	switch {
	case string(v) == "null":
		return "", false
	case json.Unmarshal(v, &s) == nil:
		return s, true
	}
	var compact bytes.Buffer
	if json.Compact(&compact, v) != nil {
		return "", false
	}
	return compact.String(), true
}

// addPropertyClaims sets "properties.<key>" for each custom property whose
// key is a plausible claim name (1–64 bytes of letters, digits, _ and -).
func addPropertyClaims(c map[string]string, props map[string]string) {
	for k, v := range props {
		if legacyProperties[k] || !propertyKey(k) {
			continue
		}
		setIf(c, PropertyClaimPrefix+k, v)
	}
}

// propertyKey reports whether k may become part of a claim name.
func propertyKey(k string) bool {
	if k == "" || len(k) > maxItemLen {
		return false
	}
	return strings.Trim(k, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == ""
}

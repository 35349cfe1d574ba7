package config

import (
	"fmt"
	"maps"
	"slices"
	"unicode/utf8"
)

// Bounds on the custom properties a signup may send to Kakao.
const (
	// MaxSignupProperties bounds the fixed and form-supplied property names together.
	MaxSignupProperties = 32
	// MaxSignupPropertyName bounds the length of a property name.
	MaxSignupPropertyName = 64
	// MaxSignupPropertyValue bounds the length (in bytes) of a property value.
	MaxSignupPropertyValue = 1024
)

// reservedSignupFields are form fields the signup endpoint reads for itself: they can never
// be property names a form supplies.
var reservedSignupFields = map[string]bool{"csrf": true, "rd": true, "confirm": true}

// SignupOptions say which custom user properties <path_prefix>/signup sends with Kakao's
// /v1/user/signup. Nothing a browser sends is passed to Kakao unless its name is listed in
// SignupFormProperties.
type SignupOptions struct {
	// SignupProperties are saved with every signup, with these fixed values, e.g.
	// {"plan": "free"}. The keys must be user properties defined in the Kakao console.
	// Default: none.
	SignupProperties map[string]string `json:"signup_properties,omitempty"`

	// SignupFormProperties are property names whose values the signup request may supply
	// (as form fields or query parameters of that name, e.g. marketing_opt_in=yes from the
	// app's terms page); a name the request leaves out or empty is not sent, and every other
	// field is ignored. The keys must be user properties defined in the Kakao console.
	// Default: none.
	SignupFormProperties []string `json:"signup_form_properties,omitempty"`
}

// inherit fills the signup options s leaves unset from d: each list is taken whole.
func (s *SignupOptions) inherit(d SignupOptions) {
	if len(s.SignupProperties) == 0 && len(d.SignupProperties) > 0 {
		s.SignupProperties = maps.Clone(d.SignupProperties)
	}
	setSlice(&s.SignupFormProperties, d.SignupFormProperties)
}

// validate checks the property names and values for provider.
func (s *SignupOptions) validate(provider string) []error {
	if len(s.SignupProperties) == 0 && len(s.SignupFormProperties) == 0 {
		return nil
	}
	if provider != ProviderKakao {
		return []error{kakaoOnly("signup_properties")}
	}
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if n := len(s.SignupProperties) + len(s.SignupFormProperties); n > MaxSignupProperties {
		add("signup_properties names %d properties: at most %d are allowed", n, MaxSignupProperties)
	}
	names := slices.Sorted(maps.Keys(s.SignupProperties))
	for _, name := range names {
		if err := checkPropertyName(name); err != nil {
			errs = append(errs, err)
		}
		if v := s.SignupProperties[name]; len(v) > MaxSignupPropertyValue || !utf8.ValidString(v) {
			add("signup_properties: the value of %q must be valid UTF-8 of at most %d bytes", name, MaxSignupPropertyValue)
		}
	}
	seen := map[string]bool{}
	for _, name := range s.SignupFormProperties {
		if err := checkPropertyName(name); err != nil {
			errs = append(errs, err)
		}
		if reservedSignupFields[name] {
			add("signup_properties: %q is a field of the signup form itself: rename the property", name)
		}
		if _, fixed := s.SignupProperties[name]; fixed || seen[name] {
			add("signup_properties: %q is listed twice: give it a fixed value or let the form supply it, not both", name)
		}
		seen[name] = true
	}
	return errs
}

// checkPropertyName accepts the names Kakao's console allows for user properties: ASCII
// letters, digits and underscores.
func checkPropertyName(name string) error {
	ok := name != "" && len(name) <= MaxSignupPropertyName
	for _, c := range name {
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') && (c < '0' || c > '9') && c != '_' {
			ok = false
		}
	}
	if !ok {
		return fmt.Errorf("signup_properties: %q is not a property name: use 1 to %d letters, digits or underscores", name, MaxSignupPropertyName)
	}
	return nil
}

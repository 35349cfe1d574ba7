package config

import (
	"fmt"
	"strings"
)

// AccessRules say who gets through once logged in: the scopes every session must have been
// granted and the claims a person must have.
type AccessRules struct {
	// RequireScopes are scopes every session must have been granted; a session lacking one is
	// sent to Kakao's additional-consent screen for the missing ones.
	RequireScopes []string `json:"require_scopes,omitempty"`

	// Allow lists access rules: every rule must match, and a rule matches when the claim
	// equals any of its values. The pseudo-claim email_domain matches the domain of a verified
	// email. A person who fails them gets a 403 page.
	Allow []AllowRule `json:"allow,omitempty"`
}

// AllowRule is one access rule: the claim must equal one of the values.
type AllowRule struct {
	// Claim is the claim to test, or email_domain for the domain of a verified email.
	Claim string `json:"claim"`
	// Values are the accepted values, e.g. Kakao age ranges such as 20~29.
	Values []string `json:"values"`
}

// inherit fills the rules a leaves unset from d.
func (a *AccessRules) inherit(d AccessRules) {
	setSlice(&a.RequireScopes, d.RequireScopes)
	setSlice(&a.Allow, d.Allow)
}

// validate checks the access rules.
func (a *AccessRules) validate() []error {
	var errs []error
	for _, s := range a.RequireScopes {
		if s == "" || strings.ContainsAny(s, ", ") {
			errs = append(errs, fmt.Errorf("require_scope %q must be one scope id per argument, e.g. require_scope account_email gender", s))
		}
	}
	for _, r := range a.Allow {
		if r.Claim == "" || len(r.Values) == 0 {
			errs = append(errs, fmt.Errorf("allow needs a claim and at least one value, e.g. allow email_domain example.com"))
		}
	}
	return errs
}

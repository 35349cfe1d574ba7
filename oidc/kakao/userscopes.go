package kakao

import (
	"context"
	"net/http"
)

// ScopeState is one consent item of GET /v2/user/scopes.
type ScopeState struct {
	// ID is the scope id, e.g. "account_email".
	ID string `json:"id"`
	// DisplayName is the name Kakao shows on its consent screen.
	DisplayName string `json:"display_name,omitempty"`
	// Type is PRIVACY or SERVICE.
	Type string `json:"type,omitempty"`
	// Using reports whether the app uses the item.
	Using bool `json:"using"`
	// Agreed reports whether the user agreed to it.
	Agreed bool `json:"agreed"`
	// Revocable is present only for agreed items.
	Revocable *bool `json:"revocable,omitempty"`
}

// UserScopes is the answer of GET /v2/user/scopes.
type UserScopes struct {
	// ID is the user id.
	ID int64 `json:"id"`
	// Scopes are the app's consent items with the user's answers.
	Scopes []ScopeState `json:"scopes"`
}

// Agreed returns the ids of the items the user agreed to.
func (s *UserScopes) Agreed() []string {
	var out []string
	for _, sc := range s.Scopes {
		if sc.Agreed {
			out = append(out, sc.ID)
		}
	}
	return out
}

// Scopes calls GET /v2/user/scopes with the user's access token: the app's consent items
// and whether the user agreed to each.
func (a *API) Scopes(ctx context.Context, accessToken string) (*UserScopes, error) {
	cred, err := bearer(accessToken)
	if err != nil {
		return nil, err
	}
	var s UserScopes
	if err := a.call(ctx, http.MethodGet, "/v2/user/scopes", cred, nil, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

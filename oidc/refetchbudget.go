package oidc

// refetchBudget names whose rate limit a fetch forced by an unknown kid spends. ID tokens
// come from the token endpoint, after a login the gateway started; logout tokens come from
// anyone who can reach the back-channel endpoint, before any signature is checked. With one
// shared budget, a stranger posting logout tokens with random kids could spend the refetch
// an ID token needs right after a key rotation and make logins fail; with two, the most a
// stranger gets is the logout budget's one fetch per RefetchInterval. Bearer tokens come
// from any client of the API, so they have a budget of their own too.
type refetchBudget int

const (
	idTokenRefetch refetchBudget = iota
	logoutTokenRefetch
	bearerTokenRefetch
	refetchBudgets // the number of budgets
)

func (b refetchBudget) String() string {
	switch b {
	case logoutTokenRefetch:
		return "logout-token"
	case bearerTokenRefetch:
		return "bearer-token"
	}
	return "id-token"
}

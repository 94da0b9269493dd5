"""API routers, thin: validate, authorise by the token's actor, forward or call core."""

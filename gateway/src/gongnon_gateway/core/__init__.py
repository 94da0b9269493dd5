"""Settings, security (tokens, passwords), identity verification and accounts."""

"""Authentication (tokens, API keys) and authorisation (roles granted at a scope)."""

"""API keys for machine clients: created by the performance team, shown once, stored hashed."""

"""The platform: database, HTTP helpers, problems, the audit writer and observability.

It knows nothing of councils' features and imports none of them; every feature builds on it.
"""

"""Persistence: declarative base, portable column types, sessions and repositories."""

"""Assurance: reading the audit trail (and, next, scrutiny challenges)."""

"""Access: who is asking (tokens, the identity provider, API keys) and what they may do (the policy).

Above the platform and below every feature: features ask this layer whether an actor may read or
write; this layer never asks a feature anything (what it must know of the council's structure comes
through :mod:`pmf_api.access.directory`, which the app wires).
"""

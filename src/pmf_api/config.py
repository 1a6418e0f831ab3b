"""Service configuration: one settings class, read from ``PMF_*`` environment variables."""

from __future__ import annotations

import uuid
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_SECRET = "development-only-secret-change-me-0123456789"
ASYMMETRIC_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "ES256", "ES384", "ES512"})


class Settings(BaseSettings):
    """Everything the service reads from its environment.

    The defaults run the embedded SQLite database in development. Outside development the
    settings refuse the built-in signing secret, so a production deployment cannot start
    with a key that is published in this repository.
    """

    model_config = SettingsConfigDict(env_prefix="PMF_", env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = Field(
        default=f"sqlite+aiosqlite:///{Path('pmf.db').absolute()}",
        description="SQLAlchemy async URL, e.g. postgresql+asyncpg://user@host/db",
    )
    database_echo: bool = False
    database_pool_size: int = Field(
        default=32, description="Connections kept open to PostgreSQL: at least the concurrent requests expected"
    )
    database_max_overflow: int = Field(default=8, description="Extra connections opened under load, then closed")
    database_pool_recycle: int = Field(
        default=1800, description="Seconds after which a pooled connection is replaced (before idle timeouts drop it)"
    )
    jwt_secret: str = DEVELOPMENT_SECRET
    jwt_algorithms: list[str] = ["HS256"]
    jwt_issuer: str = "pmf-api"
    jwt_audience: str = "pmf-api"
    jwt_ttl_minutes: int = 8 * 60
    max_body_bytes: int = 1_048_576
    bulk_max_body_bytes: int = Field(
        default=20 * 1_048_576, description="Body limit of bulk pushes (paths ending in /bulk), in bytes"
    )
    bulk_max_rows: int = Field(default=50_000, description="Rows accepted in one bulk push")
    log_level: str = "INFO"
    log_json: bool = True
    cors_origins: list[str] = []
    # Sign-in through the council's identity provider (OpenID Connect: Microsoft Entra ID and the
    # like). Its tokens are checked against its published keys (JWKS, from a URL or a file), its
    # issuer and this service's audience; they speak for one organisation, with the roles named in
    # a claim (Entra ID app roles). The service's own tokens keep working beside them.
    oidc_jwks_url: str | None = Field(default=None, description="The provider's JWKS, e.g. .../discovery/v2.0/keys")
    oidc_jwks_file: Path | None = Field(default=None, description="Or a JWKS file (reread when a key is unknown)")
    oidc_issuer: str | None = Field(default=None, description="The `iss` the provider's tokens carry")
    oidc_audience: str | None = Field(
        default=None, description="The `aud` they must carry: this API's client id or URI"
    )
    oidc_algorithms: list[str] = Field(default=["RS256"], description="Signing algorithms accepted (asymmetric only)")
    oidc_organisation_id: uuid.UUID | None = Field(default=None, description="The organisation its users belong to")
    oidc_roles_claim: str = Field(default="roles", description="The claim listing the user's roles (`performance`...)")
    hot_reads: bool = Field(
        default=True,
        description="Answer plain record reads (GET .../{id}) ahead of the full route (see pmf_api.access.fast_reads)",
    )
    host: str = "127.0.0.1"
    port: int = 8000

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.environment == "production" and self.jwt_secret == DEVELOPMENT_SECRET:
            raise ValueError("PMF_JWT_SECRET must be set to a secret of your own in production")
        if self.environment == "production" and len(self.jwt_secret) < 32:
            raise ValueError("PMF_JWT_SECRET must be at least 32 characters in production")
        if "none" in {a.lower() for a in self.jwt_algorithms}:
            raise ValueError("PMF_JWT_ALGORITHMS may not include 'none'")
        if self.oidc_enabled:
            missing = [
                f"PMF_{name.upper()}"
                for name in ("oidc_issuer", "oidc_audience", "oidc_organisation_id")
                if getattr(self, name) is None
            ]
            if missing:
                raise ValueError(f"Sign-in through an identity provider needs {', '.join(missing)}")
            if self.oidc_jwks_url and self.oidc_jwks_file:
                raise ValueError("Set PMF_OIDC_JWKS_URL or PMF_OIDC_JWKS_FILE, not both")
            # Keys from a JWKS are public: an HMAC algorithm would let anyone sign with them.
            if not self.oidc_algorithms or not set(self.oidc_algorithms) <= ASYMMETRIC_ALGORITHMS:
                raise ValueError(f"PMF_OIDC_ALGORITHMS must be among {', '.join(sorted(ASYMMETRIC_ALGORITHMS))}")
            if set(self.oidc_algorithms) & set(self.jwt_algorithms):
                raise ValueError("PMF_OIDC_ALGORITHMS and PMF_JWT_ALGORITHMS must not share an algorithm")
        return self

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_jwks_url or self.oidc_jwks_file)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()

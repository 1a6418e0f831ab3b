"""Service configuration: one settings class, read from ``PMF_*`` environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_SECRET = "development-only-secret-change-me-0123456789"


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
    hot_reads: bool = Field(
        default=True,
        description="Answer plain record reads (GET .../{id}) ahead of the full route (see pmf_api.hot_reads)",
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
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()

"""Service configuration: one settings class, read from ``PMF_*`` environment variables."""

from __future__ import annotations

import ipaddress
import os
import secrets
import uuid
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from limits import parse_many
from pydantic import Field, PrivateAttr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

# Secrets that have appeared in this project's source: anyone can sign with them, so none is accepted.
PUBLISHED_SECRETS = frozenset({"development-only-secret-change-me-0123456789"})
SECRET_FILE_SUFFIX = ".jwt-secret"
ASYMMETRIC_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "ES256", "ES384", "ES512"})


class Settings(BaseSettings):
    """Everything the service reads from its environment.

    The defaults run the embedded SQLite database in development. No signing secret is written in
    the source: production needs ``PMF_JWT_SECRET``; development without one generates a secret
    per installation, kept beside the SQLite file (or in ``PMF_DATA_DIR``) where ``pmf-api token``
    finds it, and refuses to listen beyond loopback; tests get a random one per process.
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
    database_connect_timeout: float = Field(
        default=5, description="Seconds to wait for PostgreSQL to accept a new connection before answering 503"
    )
    database_pool_recycle: int = Field(
        default=1800, description="Seconds after which a pooled connection is replaced (before idle timeouts drop it)"
    )
    jwt_secret: str = Field(
        default="",
        description="HMAC key of bearer tokens; unset in development: the installation's own, generated once",
    )
    data_dir: Path = Field(
        default=Path(".pmf-api"),
        description="Where the installation keeps what it generates (its secret) when the database is not a file",
    )
    jwt_algorithms: list[str] = ["HS256"]
    jwt_issuer: str = "pmf-api"
    jwt_audience: str = "pmf-api"
    jwt_ttl_minutes: int = 8 * 60
    jwt_max_ttl_minutes: int = Field(
        default=8 * 60, description="Tokens whose lifetime (exp - iat) is longer are refused, whoever signed them"
    )
    max_body_bytes: int = 1_048_576
    bulk_max_body_bytes: int = Field(
        default=20 * 1_048_576, description="Body limit of bulk pushes (paths ending in /bulk), in bytes"
    )
    bulk_max_rows: int = Field(default=50_000, description="Rows in one bulk push, blank ones included")
    bulk_max_cells: int = Field(
        default=1_000_000, description="Cells (or JSON values) read from one bulk push, blank ones included"
    )
    bulk_max_cell_chars: int = Field(default=32_767, description="Characters in one cell (Excel's own limit)")
    bulk_max_unzipped_bytes: int = Field(
        default=64 * 1_048_576, description="Bytes an XLSX workbook may unpack to, all the parts read together"
    )
    body_timeout_seconds: float = Field(
        default=60.0, gt=0, description="Seconds a request's whole body may take to arrive (then 408)"
    )
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
        description="Answer plain record reads and lists ahead of the full route (pmf_api.platform.http.fast_reads)",
    )
    # Rate limits, in the `limits` library's notation ("600/minute", "10/second;1000/hour"). Counted
    # in this process unless PMF_RATE_LIMIT_STORAGE_URL names a Redis that instances share.
    rate_limit_enabled: bool = True
    rate_limit_per_address: str = Field(
        default="3000/minute", description="Requests from one client address (many people may share one)"
    )
    rate_limit_per_credential: str = Field(default="1200/minute", description="Requests with one token or API key")
    rate_limit_failed_authentication: str = Field(
        default="30/minute",
        description="Refused credentials (401) from one client address; past it the address gets 429 until it passes",
    )
    rate_limit_storage_url: str | None = Field(
        default=None, description="e.g. redis://127.0.0.1:6379/0: counts shared by every instance"
    )
    rate_limit_key_prefix: str = Field(default="pmf-api", description="Prefix of the shared counters' keys")
    # Open data for residents (publishing.open_data): no credentials, so a limit and a cache of its own.
    open_data_rate_limit: str = Field(
        default="120/minute", description="Open-data requests (API and page) from one client address"
    )
    open_data_max_age_seconds: int = Field(
        default=300, ge=0, le=86_400, description="How long browsers and proxies may keep an open-data answer"
    )
    public_base_url: str | None = Field(
        default=None,
        description="The service's address as clients see it (https://pmf.example.gov.uk): absolute links use it; "
        "without it links are relative, never built from the request's Host header",
    )
    api_docs: bool | None = Field(
        default=None, description="Serve /docs, /redoc and /openapi.json (default: yes, except in production)"
    )
    host: str = "127.0.0.1"
    port: int = 8000
    # Notifications (issue 11, section 4): e-mail digests through SMTP, signed webhooks, and the
    # schedule that sends them (`pmf-api notify` does one round; the service can run it itself).
    smtp_host: str | None = Field(default=None, description="SMTP server; unset: digests are kept, not sent")
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_starttls: bool = Field(default=True, description="Upgrade the connection with STARTTLS before logging in")
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_from: str | None = Field(default=None, description="The From address of digests, e.g. pmf@northdale.gov.uk")
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)
    webhook_allow_hosts: list[str] = Field(
        default=[],
        description="Hosts (names, addresses or networks such as 10.1.0.0/16) a webhook may reach over http or "
        "at a loopback, private or link-local address; everything else must be https to a public address",
    )
    webhook_timeout_seconds: float = Field(default=10.0, gt=0, description="Seconds a receiver has to answer")
    notify_max_attempts: int = Field(
        default=8, ge=1, description="Tries of a webhook delivery or a digest before it is marked failed"
    )
    notify_retry_base_seconds: int = Field(default=60, ge=1, description="Wait after the first failed try; doubles")
    notify_retry_cap_seconds: int = Field(default=3600, ge=1, description="The longest wait between tries")
    notify_lease_seconds: int = Field(
        default=300, ge=1, description="How long a worker holds a send it claimed; past it, another may retry it"
    )
    notify_timezone: str = Field(default="Europe/London", description="Whose day and hour digests follow")
    notify_schedule: bool | None = Field(
        default=None,
        description="Run the notification round inside the service every PMF_NOTIFY_INTERVAL_SECONDS "
        "(default: yes, except in tests); off when a scheduler runs `pmf-api notify`",
    )
    notify_interval_seconds: float = Field(default=300, gt=0)
    # Report generation as jobs (issue 13, item 6): run by the service's own workers (inprocess) or by
    # `pmf-api worker` processes consuming a queue in PostgreSQL (pgqueuer)
    job_backend: Literal["inprocess", "pgqueuer"] = Field(
        default="inprocess",
        description="inprocess: the service runs report jobs itself; pgqueuer (PostgreSQL only): "
        "`pmf-api worker` processes run them from a PgQueuer queue",
    )
    job_workers: int | None = Field(
        default=None,
        ge=0,
        le=8,
        description="Jobs the service runs at once with the inprocess backend (default 1, none in tests; 0: none, "
        "when `pmf-api worker` runs them)",
    )
    job_lease_seconds: int = Field(
        default=120, ge=5, description="How long a worker holds a running job without a sign of life; then it is rerun"
    )
    job_max_attempts: int = Field(default=3, ge=1, description="Runs of a job whose worker died before it is failed")
    job_poll_seconds: float = Field(default=2.0, gt=0, description="How often idle workers look for queued jobs")
    job_modules: list[str] = Field(
        default=[], description="Modules to import that register kinds of job (beside the service's own)"
    )
    job_schedule: bool | None = Field(
        default=None,
        description="Queue the scheduled jobs (month-end and quarter-end snapshots) every "
        "PMF_JOB_SCHEDULE_INTERVAL_SECONDS (default: yes, except in tests)",
    )
    job_schedule_interval_seconds: float = Field(default=3600, gt=0)
    job_snapshot_wait_working_days: int = Field(
        default=10,
        ge=0,
        le=60,
        description="Working days after a month or quarter ends before its snapshot is taken, for its values to "
        "come in (10: the collection due date of seed 001)",
    )

    _secret_origin: Literal["configured", "installation", "process"] = PrivateAttr(default="configured")
    _secret_path: Path | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _refuse_unsafe(self) -> Settings:
        self._use_a_secret()
        if self.jwt_ttl_minutes > self.jwt_max_ttl_minutes:
            raise ValueError(
                f"PMF_JWT_TTL_MINUTES ({self.jwt_ttl_minutes}) exceeds PMF_JWT_MAX_TTL_MINUTES "
                f"({self.jwt_max_ttl_minutes}): the service would refuse its own tokens"
            )
        for name in (
            "rate_limit_per_address",
            "rate_limit_per_credential",
            "rate_limit_failed_authentication",
            "open_data_rate_limit",
        ):
            try:
                parse_many(getattr(self, name))
            except ValueError:
                raise ValueError(f"PMF_{name.upper()} must read like '600/minute' or '10/second;1000/hour'") from None
        if self.public_base_url is not None:
            if not self.public_base_url.startswith(("https://", "http://")):
                raise ValueError("PMF_PUBLIC_BASE_URL must start with https:// (or http://)")
            self.public_base_url = self.public_base_url.rstrip("/")
        self._check_notifications()
        if self.job_backend == "pgqueuer" and self.is_sqlite:
            raise ValueError("PMF_JOB_BACKEND=pgqueuer needs PostgreSQL (PMF_DATABASE_URL=postgresql+asyncpg://...)")
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

    def _check_notifications(self) -> None:
        if self.smtp_host is not None and not self.smtp_from:
            raise ValueError("PMF_SMTP_HOST needs PMF_SMTP_FROM: the address digests are sent from")
        if (self.smtp_username is None) != (self.smtp_password is None):
            raise ValueError("Set both PMF_SMTP_USERNAME and PMF_SMTP_PASSWORD, or neither")
        for host in self.webhook_allow_hosts:
            if not host.strip():
                raise ValueError("PMF_WEBHOOK_ALLOW_HOSTS has an empty entry")
        try:
            ZoneInfo(self.notify_timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"PMF_NOTIFY_TIMEZONE {self.notify_timezone!r} is not a time zone") from None

    @property
    def job_workers_in_service(self) -> int:
        """Jobs the service runs at once itself: none with the pgqueuer backend (its workers run them)."""
        if self.job_backend != "inprocess":
            return 0
        return self.job_workers if self.job_workers is not None else (0 if self.environment == "test" else 1)

    @property
    def job_schedule_enabled(self) -> bool:
        return self.job_schedule if self.job_schedule is not None else self.environment != "test"

    @property
    def notify_schedule_enabled(self) -> bool:
        return self.notify_schedule if self.notify_schedule is not None else self.environment != "test"

    def _use_a_secret(self) -> None:
        """Take the configured secret, or (development) the installation's own, or (test) a random one."""
        if self.jwt_secret in PUBLISHED_SECRETS:
            raise ValueError(
                "PMF_JWT_SECRET is a value published in this project's source: anyone could sign tokens with it. "
                "Set a secret of your own, or unset it in development"
            )
        if self.jwt_secret:
            if self.environment == "production" and len(self.jwt_secret) < 32:
                raise ValueError("PMF_JWT_SECRET must be at least 32 characters in production")
            return
        if self.environment == "production":
            raise ValueError("PMF_JWT_SECRET must be set to a secret of your own in production")
        if not is_loopback(self.host):
            raise ValueError(
                f"Listening beyond loopback (PMF_HOST={self.host}) needs PMF_JWT_SECRET: without it tokens are "
                "signed with a secret generated for local development"
            )
        if self.environment == "test":
            self.jwt_secret, self._secret_origin = secrets.token_urlsafe(48), "process"
            return
        self._secret_origin, self._secret_path = "installation", self._installation_secret_path()
        self.jwt_secret = installation_secret(self._secret_path)

    def _installation_secret_path(self) -> Path:
        """Beside the SQLite file (``pmf.db.jwt-secret``), else in the data directory."""
        database = make_url(self.database_url).database if self.is_sqlite else None
        if database and database != ":memory:" and not database.startswith("file:"):
            path = Path(database)
            return path.with_name(path.name + SECRET_FILE_SUFFIX).absolute()
        return (self.data_dir / "jwt-secret").absolute()

    @property
    def jwt_secret_configured(self) -> bool:
        """Whether the secret came from PMF_JWT_SECRET (not generated by this installation or process)."""
        return self._secret_origin == "configured"

    @property
    def jwt_secret_path(self) -> Path | None:
        """The file holding the installation's generated secret (development without PMF_JWT_SECRET)."""
        return self._secret_path

    @property
    def mode_description(self) -> str:
        """Which mode runs, and where its signing secret comes from (printed and logged at start)."""
        if self.jwt_secret_configured:
            source = "tokens signed with PMF_JWT_SECRET"
        elif self._secret_origin == "installation":
            source = f"tokens signed with this installation's own secret, kept in {self._secret_path}"
        else:
            source = "tokens signed with a secret made for this process"
        exposure = (
            "" if self.jwt_secret_configured else "; listens on loopback only (set PMF_JWT_SECRET to serve beyond)"
        )
        return f"{self.environment} mode: {source}{exposure}"

    @property
    def docs_enabled(self) -> bool:
        return self.api_docs if self.api_docs is not None else self.environment != "production"

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_jwks_url or self.oidc_jwks_file)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name other than localhost may resolve anywhere


def installation_secret(path: Path) -> str:
    """The secret kept in ``path``, made (random, readable by its owner only) the first time.

    Written to a private temporary file then linked into place, so two commands starting at once
    (``pmf-api up`` and ``pmf-api token``) agree on one secret and never read a half-written file.
    """
    try:
        kept = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        kept = None
    if kept is None:
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(secrets.token_urlsafe(48) + "\n")
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # another command made it first: use theirs
        finally:
            draft.unlink()
        kept = path.read_text(encoding="utf-8").strip()
    if len(kept) < 32:
        raise ValueError(f"{path} holds no usable secret (under 32 characters): delete it and start again")
    return kept


@lru_cache
def get_settings() -> Settings:
    return Settings()

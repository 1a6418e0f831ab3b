"""Settings and the ``pmf-api serve`` command: no secret is known outside the installation (issue #8, item 9)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pmf_api import cli
from pmf_api.config import Settings

PUBLISHED = "development-only-secret-change-me-0123456789"  # the secret config.py carried until 2026-11


@pytest.fixture(autouse=True)
def _no_outside_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Settings from this test alone: no ``PMF_*`` variables, no ``.env``, a fresh folder."""
    import os

    for name in [n for n in os.environ if n.startswith("PMF_")]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def _sqlite(folder: Path) -> str:
    return f"sqlite+aiosqlite:///{folder / 'pmf.db'}"


def test_development_generates_a_secret_per_installation_kept_beside_the_database(tmp_path: Path) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    first.mkdir(), second.mkdir()
    settings = Settings(database_url=_sqlite(first))
    assert settings.environment == "development"
    assert settings.jwt_secret != PUBLISHED and len(settings.jwt_secret) >= 32
    kept = settings.jwt_secret_path
    assert kept is not None and kept.parent == first and kept.read_text().strip() == settings.jwt_secret
    assert kept.stat().st_mode & 0o077 == 0  # readable by its owner only
    assert Settings(database_url=_sqlite(first)).jwt_secret == settings.jwt_secret  # `pmf-api token` reads it
    assert Settings(database_url=_sqlite(second)).jwt_secret != settings.jwt_secret
    assert not settings.jwt_secret_configured
    assert "development" in settings.mode_description and str(kept) in settings.mode_description


def test_a_database_that_is_not_a_file_keeps_the_secret_in_the_data_directory(tmp_path: Path) -> None:
    url = "postgresql+asyncpg://pmf@127.0.0.1:5432/pmf"
    settings = Settings(database_url=url, data_dir=tmp_path / "data")
    assert settings.jwt_secret_path == tmp_path / "data" / "jwt-secret"
    assert Settings(database_url=url, data_dir=tmp_path / "data").jwt_secret == settings.jwt_secret


def test_a_configured_secret_is_used_and_nothing_is_written(tmp_path: Path) -> None:
    settings = Settings(database_url=_sqlite(tmp_path), jwt_secret="s" * 40)
    assert settings.jwt_secret == "s" * 40 and settings.jwt_secret_configured
    assert settings.jwt_secret_path is None and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"environment": "production"}, "PMF_JWT_SECRET"),
        ({"environment": "production", "jwt_secret": "short"}, "at least 32"),
        ({"jwt_secret": PUBLISHED}, "published"),
        ({"environment": "production", "jwt_secret": PUBLISHED}, "published"),
        ({"host": "0.0.0.0"}, "loopback"),
        ({"host": "192.0.2.10"}, "loopback"),
        ({"jwt_ttl_minutes": 600, "jwt_max_ttl_minutes": 480}, "PMF_JWT_MAX_TTL_MINUTES"),
    ],
)
def test_unsafe_settings_are_refused(tmp_path: Path, changes: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Settings(database_url=_sqlite(tmp_path), **changes)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_loopback_needs_no_configured_secret(tmp_path: Path, host: str) -> None:
    assert Settings(database_url=_sqlite(tmp_path), host=host).host == host


def test_serve_refuses_to_listen_beyond_loopback_without_a_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cli.get_settings.cache_clear()
    served: list[dict[str, Any]] = []
    monkeypatch.setattr("uvicorn.run", lambda *args, **kwargs: served.append(kwargs))
    monkeypatch.setenv("PMF_DATABASE_URL", _sqlite(tmp_path))
    with pytest.raises(SystemExit, match="PMF_JWT_SECRET"):
        cli.main(["serve", "--host", "0.0.0.0"])
    assert served == []
    cli.main(["serve"])  # loopback: the installation's own secret will do
    assert served[-1]["host"] == "127.0.0.1" and served[-1]["server_header"] is False
    assert "development mode" in capsys.readouterr().out
    monkeypatch.setenv("PMF_JWT_SECRET", "c" * 48)
    cli.get_settings.cache_clear()
    cli.main(["serve", "--host", "0.0.0.0"])
    assert served[-1]["host"] == "0.0.0.0"
    cli.get_settings.cache_clear()


def test_token_refuses_a_lifetime_beyond_the_maximum(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PMF_DATABASE_URL", _sqlite(tmp_path))
    cli.get_settings.cache_clear()
    with pytest.raises(SystemExit, match="PMF_JWT_MAX_TTL_MINUTES"):
        cli.main(["token", "--ttl-minutes", str(24 * 60)])
    cli.get_settings.cache_clear()


def test_report_jobs_run_in_the_service_by_default_and_on_a_postgresql_queue_only_when_asked(tmp_path: Path) -> None:
    secret = "s" * 40
    development = Settings(database_url=_sqlite(tmp_path), jwt_secret=secret)
    assert (development.job_backend, development.job_workers_in_service, development.job_schedule_enabled) == (
        "inprocess",
        1,
        True,
    )
    testing = Settings(environment="test", database_url=_sqlite(tmp_path), jwt_secret=secret)
    assert (testing.job_workers_in_service, testing.job_schedule_enabled) == (0, False)
    queued = Settings(database_url="postgresql+asyncpg://pmf@db/pmf", jwt_secret=secret, job_backend="pgqueuer")
    assert queued.job_workers_in_service == 0  # `pmf-api worker` processes run them
    with pytest.raises(ValueError, match="PMF_JOB_BACKEND=pgqueuer needs PostgreSQL"):
        Settings(database_url=_sqlite(tmp_path), jwt_secret=secret, job_backend="pgqueuer")

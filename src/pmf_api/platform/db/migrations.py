"""Running Alembic from code: the CLI, the demo and the tests migrate the same way."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

ROOT = Path(__file__).resolve().parents[4]


def _script_location() -> Path:
    """The migrations folder: beside the source tree, or packaged inside it when installed."""
    for candidate in (ROOT / "migrations", Path.cwd() / "migrations"):
        if (candidate / "env.py").exists():
            return candidate
    raise FileNotFoundError("migrations folder not found")


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_script_location()))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


@lru_cache
def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current_revision(connection: Any) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(database_url: str, revision: str = "head", connection: Any = None) -> None:
    """Migrate up; pass a (sync) ``connection`` to migrate inside a caller's event loop."""
    config = alembic_config(database_url)
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


def downgrade(database_url: str, revision: str = "base", connection: Any = None) -> None:
    config = alembic_config(database_url)
    config.attributes["connection"] = connection
    command.downgrade(config, revision)

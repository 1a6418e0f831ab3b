"""`pmf-api notify`: one round a scheduler runs; a configuration error exits non-zero, trying nothing."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from tests.api.receivers import free_port, smtp_server
from tests.conftest import TEST_SECRET

COMMAND = Path(sys.executable).with_name("pmf-api")


async def _notify(url: str, **env: str) -> tuple[int, str, str]:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PMF_")},
        "PMF_ENVIRONMENT": "test",
        "PMF_DATABASE_URL": url,
        "PMF_JWT_SECRET": TEST_SECRET,
        "PMF_LOG_LEVEL": "WARNING",
        **env,
    }
    process = await asyncio.create_subprocess_exec(
        str(COMMAND),
        "notify",
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_notify_runs_one_round_and_exits(deployed_url: str) -> None:
    with smtp_server() as mailbox:
        code, out, err = await _notify(
            deployed_url,
            PMF_SMTP_HOST="127.0.0.1",
            PMF_SMTP_PORT=str(mailbox.port),
            PMF_SMTP_STARTTLS="false",
            PMF_SMTP_FROM="pmf@northdale.gov.uk",
        )
    assert code == 0, err
    assert out.startswith("Notification round: digests: 0 collected")


async def test_a_configuration_error_exits_2_and_says_why(deployed_url: str) -> None:
    code, out, err = await _notify(deployed_url, PMF_SMTP_HOST="127.0.0.1")
    assert code == 2 and out == ""
    assert "configuration error" in err and "PMF_SMTP_FROM" in err
    code, _, err = await _notify(deployed_url, PMF_NOTIFY_TIMEZONE="Mars/Olympus")
    assert code == 2 and "PMF_NOTIFY_TIMEZONE" in err


async def test_an_unreachable_database_exits_1() -> None:
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/nowhere"
    code, _, err = await _notify(url)
    assert code == 1 and "cannot use the database" in err

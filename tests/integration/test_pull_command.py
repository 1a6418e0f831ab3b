"""`pmf-api pull FEED` against a real server (uvicorn on 127.0.0.1, the demo council on SQLite):
every page of a feed, followed by its Link, into one CSV with one header; --from/--to on the feed's
period end; exit 2, and no file left behind, when the pull fails."""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pmf_api.domain.periods import Frequency, period_of
from tests.integration.remote_server import RemoteServer, remote_server, run

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "push_and_pull.py"
PERIOD = str(period_of(datetime.now(UTC).date(), Frequency.MONTHLY).previous())  # not yet reported in the demo


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RemoteServer]:
    with remote_server(tmp_path_factory.mktemp("pull-server")) as started:
        yield started


def pull(server: RemoteServer, folder: Path, *arguments: str, key: str | None = None) -> tuple[int, str, str]:
    env = {**server.env, "PMF_URL": server.url, "PMF_API_KEY": key or server.reader_key}
    done = run("pull", *arguments, env=env, cwd=folder)
    return done.returncode, done.stdout, done.stderr


def _all_rows(server: RemoteServer, feed: str) -> list[dict[str, object]]:
    with server.client() as client:
        answer = client.get(f"/api/v1/feeds/{feed}", params={"limit": 100000})
        assert answer.status_code == 200, answer.text
        items: list[dict[str, object]] = answer.json()["items"]
        return items


def test_every_page_into_one_csv_with_one_header(server: RemoteServer, tmp_path: Path) -> None:
    expected = _all_rows(server, "risks")
    assert len(expected) > 3
    output = tmp_path / "exports" / "risks.csv"
    code, _, err = pull(server, tmp_path, "risks", "--limit", "3", "--output", str(output))
    assert code == 0, err
    assert f"Wrote {len(expected)} rows of risks" in err and "pages" in err
    text = output.read_text()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["risk_id"] for row in rows] == [str(item["risk_id"]) for item in expected]
    assert text.count("risk_id,code,title") == 1  # one header, however many pages
    assert [row["owner_name"] for row in rows] == [item["owner_name"] for item in expected]


def test_from_and_to_filter_on_the_period_end_and_stdout_is_the_default(server: RemoteServer, tmp_path: Path) -> None:
    code, out, err = pull(server, tmp_path, "action-updates", "--from", "2026-07-01", "--to", "2026-09-30")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    expected = [item for item in _all_rows(server, "action-updates") if item["period_end"] == "2026-09-30"]
    assert rows and len(rows) == len(expected)
    assert {row["period_end"] for row in rows} == {"2026-09-30"}


def test_failures_exit_2_and_leave_no_file(server: RemoteServer, tmp_path: Path) -> None:
    output = tmp_path / "out.csv"
    code, _, err = pull(server, tmp_path, "no-such-feed", "--output", str(output))
    assert code == 2 and "404" in err and not output.exists()
    assert not list(tmp_path.glob(".*partial"))
    code, _, err = pull(server, tmp_path, "risks", "--output", str(output), key="pmf_notakeyatallnotakeyatall")
    assert code == 2 and "401" in err and not output.exists()
    code, _, err = pull(server, tmp_path, "risks", "--from", "2026-10-01", "--to", "2026-09-30")
    assert code == 2 and "after" in err
    code, _, err = pull(server, tmp_path, "risks", "--from", "last week")
    assert code == 2 and "YYYY-MM-DD" in err
    code, _, err = pull(server, tmp_path, "risks", "--updated-since", "yesterday")
    assert code == 2 and "updated_since" in err


def test_the_httpx_example_pushes_and_pulls_as_the_commands_do(server: RemoteServer, tmp_path: Path) -> None:
    values = tmp_path / "values.csv"
    values.write_text(f"kpi_code,period,value\nHN02,{PERIOD},41\nNOPE99,{PERIOD},1\n")
    output = tmp_path / "risks.csv"
    env = {**server.env, "PMF_URL": server.url, "PMF_API_KEY": server.writer_key}
    done = subprocess.run(
        [sys.executable, str(EXAMPLE), str(values), str(output)], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1, done.stderr  # one row refused
    assert "HN02" in done.stdout and "created" in done.stdout and "NOPE99" in done.stdout
    rows = list(csv.DictReader(io.StringIO(output.read_text())))
    assert [row["risk_id"] for row in rows] == [str(item["risk_id"]) for item in _all_rows(server, "risks")]

    env["PMF_API_KEY"] = "pmf_notakeyatallnotakeyatall"
    refused = subprocess.run(
        [sys.executable, str(EXAMPLE), str(values), str(output)], env=env, capture_output=True, text=True, timeout=120
    )
    assert refused.returncode == 2 and "401" in refused.stderr

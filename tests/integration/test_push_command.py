"""`pmf-api push FILE` against a real server (uvicorn on 127.0.0.1, the demo council on SQLite):
CSV, XLSX and JSON to the bulk push with an API key, a progress bar on stderr, the per-row result,
and exit 0 (all accepted), 1 (rows refused) or 2 (the push failed)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest

from pmf_api.domain.periods import Frequency, period_of
from tests.integration.remote_server import RemoteServer, free_port, remote_server, run

# The month that ended last: the demo council has not reported it yet, and its values may be entered.
PERIOD = str(period_of(datetime.now(UTC).date(), Frequency.MONTHLY).previous())


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RemoteServer]:
    with remote_server(tmp_path_factory.mktemp("push-server")) as started:
        yield started


def push(server: RemoteServer, folder: Path, *arguments: str, key: str | None = None) -> tuple[int, str, str]:
    env = {**server.env, "PMF_URL": server.url, "PMF_API_KEY": key or server.writer_key}
    done = run("push", *arguments, env=env, cwd=folder)
    return done.returncode, done.stdout, done.stderr


def _value(server: RemoteServer, kpi_code: str, period: str) -> object:
    with server.client() as client:
        kpi = client.get("/api/v1/kpis", params={"code": kpi_code}).json()["items"][0]
        found = client.get("/api/v1/submissions", params={"kpi_id": kpi["id"], "period": period}).json()["items"]
    return found[0]["value"] if found else None


def test_a_csv_whose_rows_are_all_accepted_exits_0_with_a_table_and_a_progress_bar(
    server: RemoteServer, tmp_path: Path
) -> None:
    values = tmp_path / "values.csv"
    values.write_text(f"kpi_code,period,value\nHN02,{PERIOD},41\nWS03,{PERIOD},17\n")
    code, out, err = push(server, tmp_path, str(values))
    assert code == 0, out + err
    assert "100%" in err and "sent" in err  # the progress bar
    lines = out.splitlines()
    assert "outcome" in lines[0]
    assert any("HN02" in line and "created" in line for line in lines)
    assert lines[-1].startswith("2 rows: 2 created")
    assert _value(server, "HN02", PERIOD) == 41


def test_dry_run_reports_and_writes_nothing(server: RemoteServer, tmp_path: Path) -> None:
    values = tmp_path / "values.csv"
    values.write_text(f"kpi_code,period,value\nLA01,{PERIOD},12\n")
    code, out, err = push(server, tmp_path, str(values), "--dry-run")
    assert code == 0, out + err
    assert "dry run: nothing written" in out
    assert _value(server, "LA01", PERIOD) is None


def test_refused_rows_exit_1_and_say_why_row_by_row(server: RemoteServer, tmp_path: Path) -> None:
    values = tmp_path / "values.csv"
    values.write_text(f"kpi_code,period,value\nHN03,{PERIOD},40\nNOPE99,{PERIOD},3\n")
    code, out, err = push(server, tmp_path, str(values))
    assert code == 1, (out, err)
    rejected = next(line for line in out.splitlines() if "NOPE99" in line)
    assert "rejected" in rejected and "NOPE99" in rejected
    assert _value(server, "HN03", PERIOD) == 40  # the good row was written

    atomic = tmp_path / "atomic.csv"
    atomic.write_text(f"kpi_code,period,value\nLA02,{PERIOD},39\nNOPE99,{PERIOD},3\n")
    code, out, err = push(server, tmp_path, str(atomic), "--atomic")
    assert code == 1, (out, err)
    assert "atomic: nothing written" in out and "not_written" in out
    assert _value(server, "LA02", PERIOD) is None


def test_xlsx_and_json_files_and_a_json_report(server: RemoteServer, tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["kpi_code", "period", "value"])
    sheet.append(["WS05", PERIOD, 230])
    book = tmp_path / "values.xlsx"
    workbook.save(book)
    code, out, err = push(server, tmp_path, str(book), "--json")
    assert code == 0, out + err
    report = json.loads(out)
    assert report["summary"]["created"] == 1 and report["rows"][0]["kpi_code"] == "WS05"

    rows = tmp_path / "values.json"
    rows.write_text(json.dumps([{"kpi_code": "HR01", "period": PERIOD, "value": 44}]))
    code, out, err = push(server, tmp_path, str(rows))
    assert code == 0, out + err
    assert _value(server, "HR01", PERIOD) == 44


def test_failures_exit_2_and_say_what_failed(server: RemoteServer, tmp_path: Path) -> None:
    values = tmp_path / "values.csv"
    values.write_text(f"kpi_code,period,value\nRB03,{PERIOD},40\n")

    code, _, err = push(server, tmp_path, str(values), key="pmf_notakeyatallnotakeyatall")
    assert code == 2 and "401" in err and "API key is not valid" in err
    code, _, err = push(server, tmp_path, str(values), key=server.reader_key)  # a viewer may not push
    assert code == 2 and "403" in err

    notes = tmp_path / "values.txt"
    notes.write_text("HN02 40")
    code, _, err = push(server, tmp_path, str(notes))
    assert code == 2 and "send a .csv, .xlsx or .json file" in err
    code, _, err = push(server, tmp_path, str(tmp_path / "missing.csv"))
    assert code == 2 and "Cannot read" in err
    broken = tmp_path / "broken.json"
    broken.write_text('{"rows": [')
    code, _, err = push(server, tmp_path, str(broken))
    assert code == 2 and "not valid JSON" in err

    away = {**server.env, "PMF_URL": f"http://127.0.0.1:{free_port()}", "PMF_API_KEY": server.writer_key}
    done = run("push", str(values), env=away, cwd=tmp_path)
    assert done.returncode == 2 and "Cannot reach" in done.stderr
    assert _value(server, "RB03", PERIOD) is None

    no_url = run("push", str(values), env=server.env, cwd=tmp_path)
    assert no_url.returncode == 2 and "PMF_URL" in no_url.stderr

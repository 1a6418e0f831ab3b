"""`pmf-api report` on a fresh embedded install: the demo council's frozen quarter rendered from the
shell by the service's own "report" kind, a directorate's clinic pack named by its code (issue 13, item 6)."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pikepdf

from pmf_api.domain.periods import Frequency, period_of
from tests.api.test_report_jobs import pmf_api as run_pmf_api

QUARTER = period_of(datetime.now(UTC).date(), Frequency.QUARTERLY).previous()  # the demo freezes it


async def pmf_api(*arguments: str, folder: Path) -> tuple[int, str, str]:
    return await run_pmf_api(*arguments, database_url=f"sqlite+aiosqlite:///{folder / 'pmf.db'}")


async def test_the_demo_quarter_rendered_from_the_shell(tmp_path: Path) -> None:
    code, _, err = await pmf_api("demo", folder=tmp_path)
    assert code == 0, err

    pack = tmp_path / "place.html"
    code, out, err = await pmf_api(
        "report", "--period", str(QUARTER), "--format", "html", "--directorate", "place", "--output", str(pack),
        folder=tmp_path,
    )  # fmt: skip
    assert code == 0, err
    assert f"Wrote {pack}" in out and "100% done" in err
    html = pack.read_text()
    assert "Directorate: Place" in html and "Waste and Street Scene" in html
    assert "Planning (Development Management)" in html and "Customer Services" not in html

    pdf = tmp_path / "q.pdf"
    code, _, err = await pmf_api("report", "--period", str(QUARTER), "--output", str(pdf), folder=tmp_path)
    assert code == 0, err
    assert "/StructTreeRoot" in pikepdf.open(io.BytesIO(pdf.read_bytes())).Root

    code, _, err = await pmf_api("report", "--period", str(QUARTER.previous()), "--output", str(pdf), folder=tmp_path)
    assert code == 1 and f"{QUARTER.previous()} has not been frozen" in err
    code, _, err = await pmf_api(
        "report", "--period", str(QUARTER), "--directorate", "NOWHERE", "--output", str(pdf), folder=tmp_path
    )
    assert code == 1 and "no directorate 'NOWHERE'" in err

"""Benchmark: reading pushed files, ordinary and hostile, and what other requests feel meanwhile.

1. Parse only: ``pmf_api.performance.bulk.parsing.read_upload`` in-process, best of ``--repeats``, on
   the ordinary push of bench_bulk.py (560 KPIs x 36 months = 20,160 rows) as CSV, as XLSX (written by
   openpyxl, as integration scripts do) and as JSON.
2. The hostile files of issue #8, each POSTed to ``/api/v1/submissions/bulk`` through the app
   (in-process ASGI, a throw-away SQLite database, a process per file) while a probe asks
   ``GET /healthz`` every 5 ms: the answer, the time to it, the longest the probe waited beyond its
   5 ms pause (how long the event loop was held), how much the process's peak memory grew while the file was handled
   and the size of the answer.

Needs no server. ``--src DIR`` runs another copy's ``src/`` (e.g. a checkout of the commit before), so
the two can be compared on the same machine; the script speaks to both.

``--baseline-parsing FILE`` times another version's ``parsing.py`` in turns with this one, in this process
(part 1 only; on a machine others share, fairer than comparing two runs).

Run: ``.venv/bin/python bench/bench_uploads.py [--repeats 5] [--src /path/to/other/src] [--baseline-parsing FILE]``
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import io
import json
import logging
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterable, Iterator
from itertools import chain
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
KPIS = 560
YEARS = ("2023/24", "2024/25", "2025/26")
SECRET = "bench-secret-" + "x" * 40
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"


# --------------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------------


def ordinary_rows() -> list[list[Any]]:
    """As bench_bulk.py: half counts with a value, half percentages with numerator and denominator."""
    rows: list[list[Any]] = []
    for n in range(KPIS):
        code = f"BK-{n:04d}"
        for year in YEARS:
            for month in range(1, 13):
                base = 40 + (n + month) % 50
                if n % 2:
                    rows.append([code, f"{year} P{month}", f"{base}.5", None, None, f"Month {month}: steady"])
                else:
                    rows.append([code, f"{year} P{month}", None, base, 100, f"Month {month}: steady"])
    return rows


HEADER = ["kpi_code", "period", "value", "numerator", "denominator", "commentary"]


def as_csv(rows: list[list[Any]]) -> bytes:
    lines = [",".join(HEADER)] + [",".join("" if c is None else str(c) for c in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def as_xlsx(rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    for row in rows:
        sheet.append([float(c) if isinstance(c, str) and c[:1].isdigit() and "/" not in c else c for c in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def as_json(rows: list[list[Any]]) -> bytes:
    items = [{k: v for k, v in zip(HEADER, row, strict=True) if v is not None} for row in rows]
    return json.dumps({"rows": items}).encode()


def workbook(sheet_data: Iterable[bytes], shared: Iterable[bytes] = (b"",)) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
        )
        archive.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{PACKAGE}"><Relationship Id="rId1" Type="{RELATIONSHIPS}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"><sheets><sheet name="Values" sheetId="1" '
            'r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{PACKAGE}">'
            f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{RELATIONSHIPS}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>",
        )
        with archive.open("xl/sharedStrings.xml", "w") as part:
            part.write(f'<sst xmlns="{MAIN}">'.encode())
            for chunk in shared:
                part.write(chunk)
            part.write(b"</sst>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as part:
            part.write(f'<worksheet xmlns="{MAIN}"><sheetData>'.encode())
            for chunk in sheet_data:
                part.write(chunk)
            part.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


HEADER_ROW = (
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>kpi_code</t></is></c><c r="B1" t="inlineStr"><is><t>period</t>'
    b'</is></c><c r="C1" t="inlineStr"><is><t>value</t></is></c></row>'
)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def hostile_files() -> list[tuple[str, str, Callable[[], bytes]]]:
    def repeat(chunk: bytes, times: int) -> Iterator[bytes]:
        return (chunk for _ in range(times))  # streamed into the archive, never whole in memory

    row_2 = b'<row r="2"><c r="A2" t="s"><v>0</v></c></row>'
    return [
        ("XLSX, a million blank rows", XLSX, lambda: workbook(chain([HEADER_ROW], repeat(b"<row/>" * 100_000, 10)))),
        (
            "XLSX, one cell at row 1,000,000",
            XLSX,
            lambda: workbook([HEADER_ROW, b'<row r="1000000"><c><v>1</v></c></row>']),
        ),
        (
            "XLSX, one shared string of 100 MB",
            XLSX,
            lambda: workbook([HEADER_ROW, row_2], chain([b"<si><t>"], repeat(b"x" * 1_048_576, 100), [b"</t></si>"])),
        ),
        ("XLSX, sheet unpacking to 200 MB", XLSX, lambda: workbook(chain([HEADER_ROW], repeat(b" " * 1_048_576, 200)))),
        ("CSV, 19 MB of blank lines", "text/csv", lambda: b"kpi_code,period,value\n" + b"\n" * 19_000_000),
        ("CSV, one row of 6.6 million cells", "text/csv", lambda: b"kpi_code,period,value\n" + b"ab," * 6_600_000),
        ("JSON, nested 2,000 deep", "application/json", lambda: b'{"rows": ' + b"[" * 2_000 + b"]" * 2_000 + b"}"),
        ("JSON, 6.6 million empty rows", "application/json", lambda: b'{"rows": [' + b"{}," * 6_600_000 + b"{}]}"),
    ]


# --------------------------------------------------------------------------------------------
# Measuring
# --------------------------------------------------------------------------------------------


def parse_only(repeats: int, baseline: Path | None) -> None:
    from pmf_api.config import Settings
    from pmf_api.performance.bulk import parsing

    settings = Settings()

    def parse(module: Any, kind: Any, payload: bytes) -> Any:
        if hasattr(module, "UploadLimits"):
            return module.read_upload(kind, payload, module.UploadLimits.from_settings(settings))
        return module.read_upload(kind, payload, settings.bulk_max_rows)  # the code before the limits

    other = None
    if baseline is not None:
        # Another version's parsing module, run in this process beside this one (its imports resolve
        # to this checkout's pmf_api), timed in turns: fairer than two runs on a busy machine.
        spec = importlib.util.spec_from_file_location("baseline_parsing", baseline)
        assert spec is not None and spec.loader is not None
        other = importlib.util.module_from_spec(spec)
        sys.modules["baseline_parsing"] = other
        spec.loader.exec_module(other)
    rows = ordinary_rows()
    turns = f", in turns with {baseline}" if other else ""
    print(f"1. Parse only, {len(rows)} rows (best and median of {repeats}{turns})")
    for kind, payload in (("csv", as_csv(rows)), ("xlsx", as_xlsx(rows)), ("json", as_json(rows))):
        times: dict[str, list[float]] = {"this": [], "baseline": []}
        for _ in range(repeats):
            for name, module in (("this", parsing), ("baseline", other)):
                if module is None:
                    continue
                started = time.perf_counter()
                upload = parse(module, kind, payload)
                times[name].append(time.perf_counter() - started)
                assert len(upload.rows) == len(rows), len(upload.rows)
        for name, measured in times.items():
            if measured:
                best, median = min(measured), sorted(measured)[len(measured) // 2]
                print(
                    f"   {kind:<5} {name:<9} {len(payload) / 1e6:6.2f} MB  best {best * 1000:7.1f} ms  "
                    f"median {median * 1000:7.1f} ms  {len(rows) / best:9,.0f} rows/s"
                )


async def hostile_case(index: int) -> None:
    """One hostile file through the app, in this process (its memory is the file's alone)."""
    import httpx
    from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

    from pmf_api.access.actor import Grant
    from pmf_api.access.tokens import mint_token
    from pmf_api.config import Settings
    from pmf_api.domain.workflow import Role
    from pmf_api.framework.organisations.models import Organisation
    from pmf_api.main import attach_engine, create_app
    from pmf_api.platform.db.migrations import upgrade

    name, content_type, build = hostile_files()[index]
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/bench.db"
        engine = create_async_engine(url)
        async with engine.begin() as connection:
            await connection.run_sync(lambda sync: upgrade(url, connection=sync))
        await engine.dispose()
        settings = Settings(environment="test", database_url=url, jwt_secret=SECRET, log_level="ERROR", log_json=False)
        app = create_app(settings)
        logging.getLogger("pmf_api").setLevel(logging.CRITICAL)
        attach_engine(app, settings)
        async with async_sessionmaker(app.state.engine, expire_on_commit=False)() as session:
            organisation = Organisation(code="BENCH", name="Bench", settings={})
            session.add(organisation)
            await session.commit()
        token = mint_token(
            settings, organisation_id=organisation.id, subject="b", name="b", grants=[Grant(Role.PERFORMANCE)]
        )
        payload = build()
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url="http://bench", timeout=600
        ) as client:
            # Warm up (first-request imports and caches): the file's own cost is measured below.
            await client.get("/healthz")
            warm = await client.post(
                "/api/v1/submissions/bulk",
                content=b"kpi_code,period,value\n",
                headers={"Authorization": f"Bearer {token}", "Content-Type": "text/csv"},
            )
            assert warm.status_code == 200, warm.text
            stop = asyncio.Event()
            waits: list[float] = []

            async def probe() -> None:
                # A round is a request and a 5 ms pause: a round much longer than that is time the
                # event loop was held (by the request or the pause, whichever it fell in).
                while not stop.is_set():
                    started = time.perf_counter()
                    await client.get("/healthz")
                    await asyncio.sleep(0.005)
                    waits.append(time.perf_counter() - started - 0.005)

            prober = asyncio.create_task(probe())
            await asyncio.sleep(0.05)
            started = time.perf_counter()
            response = await client.post(
                "/api/v1/submissions/bulk",
                content=payload,
                headers={"Authorization": f"Bearer {token}", "Content-Type": content_type},
            )
            elapsed = time.perf_counter() - started
            stop.set()
            await prober
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        await app.state.engine.dispose()
    print(
        f"   {name:<36} {len(payload) / 1e6:7.2f}MB {response.status_code:>6} {elapsed:7.2f}s "
        f"{max(waits) * 1000:11.0f} ms {after - before:+9.0f}MB {len(response.content):>11,}"
    )


def hostile(src: Path) -> None:
    print("\n2. Hostile files through the app (one process each), /healthz asked every 5 ms meanwhile")
    print(
        f"   {'file':<36} {'on wire':>9} {'answer':>6} {'time':>8} {'longest wait':>14} "
        f"{'peak memory':>10} {'answer bytes':>11}"
    )
    for index in range(len(hostile_files())):
        subprocess.run([sys.executable, __file__, "--src", str(src), "--case", str(index)], check=True, timeout=900)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--src", type=Path, default=ROOT / "src", help="the src/ folder whose pmf_api to run")
    parser.add_argument("--only", choices=("parse", "hostile"), default=None)
    parser.add_argument(
        "--baseline-parsing",
        type=Path,
        default=None,
        help="another version's performance/bulk/parsing.py, parsed in turns with this one "
        "(e.g. git show main:src/pmf_api/performance/bulk/parsing.py > /tmp/parsing.py)",
    )
    parser.add_argument("--case", type=int, default=None, help=argparse.SUPPRESS)  # one hostile file, in this process
    args = parser.parse_args()
    sys.path.insert(0, str(args.src.resolve()))
    if args.case is not None:
        asyncio.run(hostile_case(args.case))
        return
    import pmf_api

    print(f"pmf_api from {Path(pmf_api.__file__).parent}")
    if args.only in (None, "parse"):
        parse_only(args.repeats, args.baseline_parsing)
    if args.only in (None, "hostile"):
        hostile(args.src)


if __name__ == "__main__":
    main()

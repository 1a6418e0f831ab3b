"""A client of a remote PMF API for integration scripts: ``pmf-api push`` and ``pmf-api pull``.

``push`` sends a file of values (CSV, XLSX or JSON) to the server's bulk push
(``POST /api/v1/submissions/bulk``) with an API key, and reports each row's outcome; ``pull``
reads a feed (``GET /api/v1/feeds/{name}``) as CSV, following its pages (``Link: rel="next"``)
into one CSV with one header. Both speak HTTP only (httpx): they never open the database, so
they run anywhere the server is reachable.

Exit codes: 0 done (every row accepted); 1 rows refused (rejected, or nothing written in atomic
mode); 2 the push or pull failed (a bad file, a refused key, an unknown feed, the network).
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import httpx

if TYPE_CHECKING:
    from pmf_api.reporting.jobs.shell import ProgressBar

BULK_PATH = "/api/v1/submissions/bulk"
FEEDS_PATH = "/api/v1/feeds"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MEDIA_TYPES = {".csv": "text/csv; charset=utf-8", ".xlsx": XLSX_MEDIA_TYPE, ".json": "application/json"}
CHUNK = 64 * 1024
TIMEOUT = httpx.Timeout(30.0, read=300.0)  # a large push is checked whole before the server answers

EXIT_OK, EXIT_REFUSED, EXIT_FAILED = 0, 1, 2

Progress = Callable[[int, str | None], None]


class RemoteError(Exception):
    """The push or pull failed: the message says why, in one line (exit code 2)."""


@dataclass(frozen=True)
class Server:
    url: str  # https://pmf.example.gov.uk, without a trailing slash
    api_key: str

    @classmethod
    def of(cls, url: str | None, api_key: str | None) -> Server:
        url = url or os.environ.get("PMF_URL")
        api_key = api_key or os.environ.get("PMF_API_KEY")
        if not url:
            raise RemoteError("Give the server's address: --url https://pmf.example.gov.uk (or PMF_URL)")
        if not url.startswith(("https://", "http://")):
            raise RemoteError(f"--url must start with https:// (or http://), not {url!r}")
        if not api_key:
            raise RemoteError("Give an API key: --api-key (or PMF_API_KEY), from POST /api/v1/api-keys")
        return cls(url.rstrip("/"), api_key)

    def client(self, transport: httpx.BaseTransport | None = None) -> httpx.Client:
        return httpx.Client(
            base_url=self.url,
            headers={"X-API-Key": self.api_key, "User-Agent": "pmf-api-cli"},
            timeout=TIMEOUT,
            transport=transport,
        )


# ---- push ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PushOutcome:
    report: dict[str, Any]  # the server's report: summary and rows (in atomic refusals, the problem)
    exit_code: int


def read_push_file(path: Path) -> tuple[bytes, str]:
    """The body to send and its content type; a file the server could never read is refused here."""
    media_type = MEDIA_TYPES.get(path.suffix.lower())
    if media_type is None:
        raise RemoteError(f"{path.name}: send a .csv, .xlsx or .json file")
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise RemoteError(f"Cannot read {path}: {exc.strerror or exc}") from None
    if not content.strip():
        raise RemoteError(f"{path.name} is empty")
    if path.suffix.lower() == ".xlsx" and not content.startswith(b"PK"):
        raise RemoteError(f"{path.name} is not an XLSX workbook")
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(content)
        except (ValueError, UnicodeDecodeError) as exc:
            raise RemoteError(f"{path.name} is not valid JSON: {exc}") from None
        if isinstance(data, list):  # a list of rows is sent as the bulk push's {"rows": [...]}
            content = json.dumps({"rows": data}).encode()
        elif not isinstance(data, dict) or not isinstance(data.get("rows"), list):
            raise RemoteError(f'{path.name}: give a list of rows, or an object with "rows"')
    return content, media_type


def _chunks(content: bytes, progress: Progress) -> Iterator[bytes]:
    total = len(content)
    for start in range(0, total, CHUNK):
        yield content[start : start + CHUNK]
        sent = min(start + CHUNK, total)
        progress(90 * sent // total, f"sent {sent:,} of {total:,} bytes")
    progress(90, "waiting for the server's report")


def push(
    server: Server,
    path: Path,
    *,
    dry_run: bool = False,
    atomic: bool = False,
    submit: bool = False,
    idempotency_key: str | None = None,
    progress: Progress = lambda percent, message: None,
    transport: httpx.BaseTransport | None = None,
) -> PushOutcome:
    content, media_type = read_push_file(path)
    params = {name: "true" for name, on in (("dry_run", dry_run), ("atomic", atomic), ("submit", submit)) if on}
    headers = {"Content-Type": media_type, "Content-Length": str(len(content))}
    if idempotency_key:
        headers["Idempotency-Key"] = idempotency_key
    progress(0, f"pushing {path.name}")
    try:
        with server.client(transport) as client:
            response = client.post(BULK_PATH, params=params, headers=headers, content=_chunks(content, progress))
    except httpx.HTTPError as exc:
        raise RemoteError(f"Cannot reach {server.url}: {_reason(exc)}") from None
    body = _json(response)
    if response.status_code == 200 and isinstance(body, dict) and "rows" in body:
        progress(100, "done")
        refused = body["summary"]["rejected"] > 0
        return PushOutcome(body, EXIT_REFUSED if refused else EXIT_OK)
    if response.status_code == 422 and isinstance(body, dict) and "rows" in body:  # atomic: nothing written
        progress(100, "refused")
        return PushOutcome(body, EXIT_REFUSED)
    raise RemoteError(_failure(response, body))


def push_table(report: dict[str, Any]) -> str:
    """The per-row result as a plain table, then the summary."""
    lines = [f"{'row':>5}  {'kpi':<14} {'period':<12} {'outcome':<12} detail"]
    for row in report["rows"]:
        details = [error["detail"] for error in row.get("errors", [])]
        details += [f"warning: {warning['detail']}" for warning in row.get("warnings", [])]
        lines.append(
            f"{row['row']:>5}  {row.get('kpi_code') or '':<14} {row.get('period') or '':<12} "
            f"{row['outcome']:<12} {'; '.join(details)}".rstrip()
        )
    summary = report.get("summary") or {}
    counts = ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in summary.items() if count)
    mode = " (dry run: nothing written)" if report.get("dry_run") else ""
    if report.get("status") == 422:
        mode = " (atomic: nothing written)"
    lines.append(f"{len(report['rows'])} rows: {counts or 'none'}{mode}")
    return "\n".join(lines)


# ---- pull ----------------------------------------------------------------------------------------


def pull(
    server: Server,
    feed: str,
    out: TextIO,
    *,
    range_start: date | None = None,
    range_end: date | None = None,
    updated_since: str | None = None,
    limit: int | None = None,
    progress: Progress = lambda percent, message: None,
    transport: httpx.BaseTransport | None = None,
) -> int:
    """Writes every page of ``feed`` to ``out`` as one CSV (one header); returns the number of rows."""
    params: dict[str, str] = {"format": "csv"}
    for name, value in (("range_start", range_start), ("range_end", range_end), ("updated_since", updated_since)):
        if value is not None:
            params[name] = str(value)
    if limit is not None:
        params["limit"] = str(limit)
    writer = csv.writer(out, lineterminator="\r\n")
    header: list[str] | None = None
    rows = pages = 0
    url: str | None = f"{FEEDS_PATH}/{feed}"
    seen: set[str] = set()
    try:
        with server.client(transport) as client:
            request_params: dict[str, str] | None = params
            while url is not None:
                response = client.get(url, params=request_params, headers={"Accept": "text/csv"})
                if response.status_code != 200:
                    raise RemoteError(_failure(response, _json(response)))
                page = list(csv.reader(io.StringIO(response.text, newline="")))
                if page:
                    if header is None:
                        header = page[0]
                        writer.writerow(header)
                    elif page[0] != header:
                        raise RemoteError(f"Page {pages + 1} of {feed} has other columns than the first: stopped")
                    writer.writerows(page[1:])
                    rows += len(page) - 1
                pages += 1
                progress(0, f"{feed}: {rows:,} rows in {pages} page{'s' if pages != 1 else ''}")
                url = next_link(response)
                if url is not None:
                    if url in seen:
                        raise RemoteError(f"The server sent the same next page twice ({url}): stopped")
                    seen.add(url)
                request_params = None  # a next link carries its own query (range, format and cursor)
    except httpx.HTTPError as exc:
        raise RemoteError(f"Cannot reach {server.url}: {_reason(exc)}") from None
    progress(100, f"{feed}: {rows:,} rows in {pages} page{'s' if pages != 1 else ''}")
    return rows


def next_link(response: httpx.Response) -> str | None:
    """The next page's URL from ``Link: <...>; rel="next"``, made absolute against the page's own URL
    (the server gives a path, or a URL from its public address)."""
    link = response.links.get("next")
    if not link or not link.get("url"):
        return None
    return str(response.url.join(link["url"]))


# ---- answers -------------------------------------------------------------------------------------


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _failure(response: httpx.Response, body: Any) -> str:
    """One line: the status and what the server said (a problem's title and detail)."""
    if isinstance(body, dict) and ("detail" in body or "title" in body):
        said = body.get("detail") or body.get("title")
        pointers = [f"{e['pointer']}: {e['detail']}" for e in body.get("errors", []) if isinstance(e, dict)]
        more = f" ({'; '.join(pointers[:5])})" if pointers else ""
        return f"{response.status_code} {said}{more}"
    text = response.text.strip().splitlines()[0][:200] if response.text.strip() else response.reason_phrase
    return f"{response.status_code} {text}"


def _reason(exc: httpx.HTTPError) -> str:
    return str(exc) or type(exc).__name__


def write_atomically(path: Path, write: Callable[[TextIO], int]) -> int:
    """Runs ``write`` into a file beside ``path`` and moves it into place only when it succeeds, so a
    failed pull never leaves half a CSV where the last good one was."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    try:
        with partial.open("w", encoding="utf-8", newline="") as out:
            rows = write(out)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return rows


def stderr_progress() -> ProgressBar:
    from pmf_api.reporting.jobs.shell import ProgressBar

    return ProgressBar(sys.stderr)

"""The command-line client's page-following, over a stand-in server (httpx.MockTransport): every
page once, the header once, next links relative or absolute, the first request's filters sent once,
and a page that would loop or change columns stops the pull."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from pmf_api import remote

SERVER = remote.Server("https://pmf.example.gov.uk", "pmf_readonlykey")


def _pages(pages: dict[str, tuple[str, str | None]], seen: list[httpx.Request]) -> httpx.MockTransport:
    """``pages`` maps a cursor ("" for the first page) to (CSV, next link or None)."""

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        body, link = pages[request.url.params.get("cursor", "")]
        headers = {"Content-Type": "text/csv; charset=utf-8"}
        if link:
            headers["Link"] = f'<{link}>; rel="next"'
        return httpx.Response(200, text=body, headers=headers)

    return httpx.MockTransport(answer)


def _pull(transport: httpx.MockTransport, **options: object) -> str:
    out = io.StringIO()
    remote.pull(SERVER, "risks", out, transport=transport, **options)  # type: ignore[arg-type]
    return out.getvalue()


def test_pages_are_followed_to_the_end_with_one_header() -> None:
    seen: list[httpx.Request] = []
    pages = {
        "": (
            "risk_id,title\r\n1,Flooding\r\n2,Cyber\r\n",
            "/api/v1/feeds/risks?format=csv&range_start=2026-04-01&cursor=a",
        ),
        "a": (
            'risk_id,title\r\n3,"Staff, and\r\nskills"\r\n',
            "https://pmf.example.gov.uk/api/v1/feeds/risks?format=csv&cursor=b",
        ),
        "b": ("risk_id,title\r\n", None),
    }
    text = _pull(_pages(pages, seen), range_start="2026-04-01")
    assert text == 'risk_id,title\r\n1,Flooding\r\n2,Cyber\r\n3,"Staff, and\r\nskills"\r\n'
    assert [r.url.params.get("cursor") for r in seen] == [None, "a", "b"]
    assert seen[0].url.params["range_start"] == "2026-04-01" and seen[0].url.params["format"] == "csv"
    assert seen[1].url.params.get_list("range_start") == ["2026-04-01"]  # the link's own, not sent twice
    assert all(r.headers["X-API-Key"] == "pmf_readonlykey" for r in seen)
    assert all("api_key" not in str(r.url) for r in seen)  # the key stays in a header


def test_a_next_link_is_made_absolute_against_the_page() -> None:
    page = httpx.Response(
        200,
        headers={"Link": '</api/v1/feeds/risks?cursor=x>; rel="next"'},
        request=httpx.Request("GET", "https://pmf.example.gov.uk/api/v1/feeds/risks?format=csv"),
    )
    assert remote.next_link(page) == "https://pmf.example.gov.uk/api/v1/feeds/risks?cursor=x"
    last = httpx.Response(200, request=httpx.Request("GET", "https://pmf.example.gov.uk/api/v1/feeds/risks"))
    assert remote.next_link(last) is None


@pytest.mark.parametrize(
    ("pages", "says"),
    [
        ({"": ("a,b\r\n1,2\r\n", "/f?cursor=a"), "a": ("a,c\r\n1,2\r\n", None)}, "other columns"),
        ({"": ("a\r\n1\r\n", "/f?cursor=a"), "a": ("a\r\n2\r\n", "/f?cursor=a")}, "same next page twice"),
    ],
)
def test_a_page_that_would_corrupt_the_csv_stops_the_pull(pages: dict[str, tuple[str, str | None]], says: str) -> None:
    with pytest.raises(remote.RemoteError, match=says):
        _pull(_pages(pages, []))


def test_a_refusal_is_one_line_from_the_problem() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        errors = [{"pointer": "query:range_start", "detail": "range_start is after range_end"}]
        problem = {"title": "Invalid input", "detail": "Check the highlighted fields", "status": 422, "errors": errors}
        return httpx.Response(422, json=problem, headers={"Content-Type": "application/problem+json"})

    with pytest.raises(remote.RemoteError) as raised:
        _pull(httpx.MockTransport(refuse))
    assert str(raised.value) == "422 Check the highlighted fields (query:range_start: range_start is after range_end)"


def test_a_failed_pull_leaves_the_last_good_file(tmp_path: Path) -> None:
    target = tmp_path / "risks.csv"
    target.write_text("the last good export")

    def fail(out: io.TextIOBase) -> int:
        out.write("half a ")
        raise remote.RemoteError("lost")

    write: Callable[..., int] = fail
    with pytest.raises(remote.RemoteError):
        remote.write_atomically(target, write)
    assert target.read_text() == "the last good export" and [p.name for p in tmp_path.iterdir()] == ["risks.csv"]
    assert remote.write_atomically(target, lambda out: out.write("new") and 1) == 1
    assert target.read_text() == "new"

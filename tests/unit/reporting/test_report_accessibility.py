"""A report's HTML in a real browser (Debian's Chromium, driven by Playwright) checked by axe-core
against WCAG 2.0, 2.1 and 2.2 A and AA: no serious or critical violation.

Needs /usr/bin/chromium (``apt-get install chromium``) and axe-core from tests/client's packages
(``npm ci --prefix tests/client``); CI installs both. Playwright never downloads a browser here.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pmf_api.reporting.document import ReportDocument
from pmf_api.reporting.rendering import ChartSource, render

AXE = Path(__file__).parents[2] / "client" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed: `apt-get install chromium` (CI installs it)")
    if not AXE.exists():
        pytest.skip("axe-core is not installed: run `npm ci --prefix tests/client` (CI does)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


def _violations(browser: Any, html: bytes, *, width: int = 1280) -> list[dict[str, Any]]:
    page = browser.new_page(viewport={"width": width, "height": 900})
    try:
        page.route("**/*", lambda route: route.abort())  # the page needs nothing from outside
        page.set_content(html.decode("utf-8"), wait_until="load")
        page.add_script_tag(content=AXE.read_text())
        result = page.evaluate(
            "async (tags) => await axe.run(document, "
            "{runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
            TAGS,
        )
    finally:
        page.close()
    return [item for item in result["violations"] if item["impact"] in ("serious", "critical")]


def _explain(violations: list[dict[str, Any]]) -> str:
    return json.dumps(
        [
            {
                "id": item["id"],
                "impact": item["impact"],
                "help": item["help"],
                "nodes": [node["target"] for node in item["nodes"][:5]],
                "summary": item["nodes"][0]["failureSummary"] if item["nodes"] else "",
            }
            for item in violations
        ],
        indent=2,
    )


@pytest.mark.parametrize("kind", ["quarterly", "board_pack", "hostile"])
def test_report_html_has_no_serious_accessibility_violation(
    browser: Any, kind: str, request: pytest.FixtureRequest, charts: ChartSource
) -> None:
    document: ReportDocument = request.getfixturevalue(kind)
    violations = _violations(browser, render(document, "html", charts).content)
    assert not violations, _explain(violations)


def test_report_html_on_a_phone_has_no_serious_accessibility_violation(
    browser: Any, quarterly: ReportDocument, charts: ChartSource
) -> None:
    violations = _violations(browser, render(quarterly, "html", charts).content, width=360)
    assert not violations, _explain(violations)


def test_the_check_finds_what_it_should(browser: Any) -> None:
    """The harness itself: a page with an image without a text alternative fails."""
    violations = _violations(
        browser, b"<!DOCTYPE html><html><head><title>x</title></head><body><img src='a.png'></body>"
    )
    assert {item["id"] for item in violations} >= {"image-alt", "html-has-lang"}

"""Checks of rendered reports shared by the rendering tests and the report walk: axe-core in Debian's
Chromium (driven by Playwright, which never downloads a browser here) and the PDF's structure tree.

Needs /usr/bin/chromium (``apt-get install chromium``) and axe-core from tests/client's packages
(``npm ci --prefix tests/client``); CI installs both, and a test without them skips saying so.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pikepdf
import pytest

AXE = Path(__file__).parent / "client" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium, headless; the calling test skips, saying what to install, without it or axe-core."""
    missing = None
    if not Path(CHROMIUM).exists():
        missing = "Chromium is not installed: `apt-get install chromium` (CI installs it)"
    elif not AXE.exists():
        missing = "axe-core is not installed: run `npm ci --prefix tests/client` (CI does)"
    if missing is not None:
        if os.environ.get("PMF_TEST_REQUIRE_BROWSER") == "1":  # CI: a check that cannot run is a failure
            pytest.fail(missing)
        pytest.skip(missing)
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


def serious_violations(browser: Any, html: bytes, *, width: int = 1280) -> list[dict[str, Any]]:
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


def explain(found: list[dict[str, Any]]) -> str:
    return json.dumps(
        [
            {
                "id": item["id"],
                "impact": item["impact"],
                "help": item["help"],
                "nodes": [node["target"] for node in item["nodes"][:5]],
                "summary": item["nodes"][0]["failureSummary"] if item["nodes"] else "",
            }
            for item in found
        ],
        indent=2,
    )


def html_violations(html: bytes) -> list[dict[str, Any]]:
    """The serious and critical WCAG 2.2 A/AA violations axe-core finds in ``html`` (a browser of its own:
    call it off the event loop, e.g. ``asyncio.to_thread``, since Playwright's sync API refuses to run on one)."""
    with chromium() as browser:
        return serious_violations(browser, html)


def structure(document: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    """Every element of the PDF's structure tree."""
    found: list[pikepdf.Dictionary] = []
    pending: list[object] = [document.Root.StructTreeRoot.get("/K")]
    while pending:
        item = pending.pop()
        if isinstance(item, pikepdf.Array):
            pending.extend(item)
        elif isinstance(item, pikepdf.Dictionary):
            if "/S" in item:
                found.append(item)
            if "/K" in item:
                pending.append(item.K)
    return found

"""A report's HTML in a real browser (Debian's Chromium, driven by Playwright) checked by axe-core
against WCAG 2.0, 2.1 and 2.2 A and AA: no serious or critical violation.

Needs /usr/bin/chromium (``apt-get install chromium``) and axe-core from tests/client's packages
(``npm ci --prefix tests/client``); CI installs both. Playwright never downloads a browser here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from pmf_api.reporting.document import ReportDocument
from pmf_api.reporting.rendering import ChartSource, render
from tests.report_checks import chromium, explain, serious_violations


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.mark.parametrize("kind", ["quarterly", "board_pack", "hostile"])
def test_report_html_has_no_serious_accessibility_violation(
    browser: Any, kind: str, request: pytest.FixtureRequest, charts: ChartSource
) -> None:
    document: ReportDocument = request.getfixturevalue(kind)
    found = serious_violations(browser, render(document, "html", charts).content)
    assert not found, explain(found)


def test_report_html_on_a_phone_has_no_serious_accessibility_violation(
    browser: Any, quarterly: ReportDocument, charts: ChartSource
) -> None:
    found = serious_violations(browser, render(quarterly, "html", charts).content, width=360)
    assert not found, explain(found)


def test_the_check_finds_what_it_should(browser: Any) -> None:
    """The harness itself: a page with an image without a text alternative fails."""
    found = serious_violations(
        browser, b"<!DOCTYPE html><html><head><title>x</title></head><body><img src='a.png'></body>"
    )
    assert {item["id"] for item in found} >= {"image-alt", "html-has-lang"}

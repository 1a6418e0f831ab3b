from __future__ import annotations

import pytest

from pmf_api.reporting.document import ReportDocument
from pmf_api.reporting.rendering import ChartSource
from tests.reporting_documents import report_document


@pytest.fixture(scope="session")
def charts() -> ChartSource:
    """One chart source for the session: each chart is drawn once."""
    return ChartSource(workers=1)


@pytest.fixture(scope="session")
def quarterly() -> ReportDocument:
    return report_document(12)


@pytest.fixture(scope="session")
def hostile() -> ReportDocument:
    """Markup, typst code and formula triggers in every text people type."""
    return report_document(12, hostile=True)


@pytest.fixture(scope="session")
def board_pack() -> ReportDocument:
    return report_document(15, kind="board_pack")

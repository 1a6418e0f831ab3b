"""Reading a contextual-values import (``performance.contextual_values.importing``): the row cap holds
whatever the rows are, so a JSON array of non-objects cannot slip past it."""

from __future__ import annotations

import json

import pytest

from pmf_api.performance.bulk.parsing import UploadLimits
from pmf_api.performance.contextual_values.importing import read_rows
from pmf_api.platform.errors import PayloadTooLarge
from pmf_api.platform.uploads import TableLimits

LIMITS = UploadLimits(rows=3, table=TableLimits(1_000, 1_000, 1_000_000))


@pytest.mark.parametrize("row", [1, "x", None, [], {"measure_code": "CM-01"}])
def test_more_rows_than_the_cap_are_refused_whatever_they_are(row: object) -> None:
    with pytest.raises(PayloadTooLarge):
        read_rows("json", json.dumps({"rows": [row] * 4}).encode(), LIMITS)


def test_rows_up_to_the_cap_are_read_each_with_its_problems() -> None:
    rows = read_rows(
        "json", json.dumps({"rows": [1, {"measure_code": "CM-01", "colour": "red"}, "x"]}).encode(), LIMITS
    )
    assert [row.row for row in rows] == [0, 1, 2]
    assert [[problem.field for problem in row.problems] for row in rows] == [[""], ["colour"], [""]]

"""If-None-Match is compared weakly (RFC 9110 8.8.3.2, 13.1.2): the table of what matches what."""

from __future__ import annotations

import pytest

from pmf_api.platform.db.pages import page_of_list
from pmf_api.platform.errors import PMFError
from pmf_api.platform.http.etag import etag_of_body, expected_version, still_current

RECORD = '"0a1b2c3d-4"'
COMPUTED = 'W/"9f86d081884c7d659a2feaa0"'


@pytest.mark.parametrize(
    ("if_none_match", "tag", "current"),
    [
        (None, RECORD, False),
        ('"0a1b2c3d-4"', RECORD, True),  # strong, the same
        ('W/"0a1b2c3d-4"', RECORD, True),  # weak form of a strong tag: weak comparison matches
        ('"9f86d081884c7d659a2feaa0"', COMPUTED, True),  # strong form of a weak tag
        (COMPUTED, COMPUTED, True),
        ('"0a1b2c3d-3"', RECORD, False),  # another version
        ('W/"0a1b2c3d-3"', RECORD, False),
        ("*", RECORD, True),
        (" * ", COMPUTED, True),
        ('"x", "0a1b2c3d-4"', RECORD, True),  # a list
        ('"x",W/"0a1b2c3d-4" , "y"', RECORD, True),
        ('"x", "y"', RECORD, False),
        ("", RECORD, False),
        ("0a1b2c3d-4", RECORD, False),  # unquoted: not an entity-tag
        ('"0a1b2c3d-4', RECORD, False),  # unterminated
        ('w/"0a1b2c3d-4"', RECORD, False),  # W/ is case-sensitive
        ("garbage, *", RECORD, False),  # * only on its own
        ('"a,b"', '"a,b"', True),  # a comma inside quotes is part of the tag
    ],
)
def test_if_none_match_is_compared_weakly(if_none_match: str | None, tag: str, current: bool) -> None:
    assert still_current(if_none_match, tag) is current


def test_a_computed_answer_is_tagged_weakly_by_its_bytes() -> None:
    tag = etag_of_body(b'{"items":[]}')
    assert tag.startswith('W/"') and tag == etag_of_body(b'{"items":[]}') != etag_of_body(b'{"items":[1]}')


@pytest.mark.parametrize(
    ("if_match", "version"),
    [(None, None), ("*", None), ('"0a1b2c3d-4"', 4), ('W/"0a1b2c3d-4"', 4), ('"x", "0a1b2c3d-7"', 7)],
)
def test_if_match_takes_a_records_tag_weak_or_strong(if_match: str | None, version: int | None) -> None:
    assert expected_version(if_match) == version


def test_if_match_naming_no_version_is_refused() -> None:
    with pytest.raises(PMFError):
        expected_version('W/"9f86d081884c7d659a2feaa0"')


def test_a_computed_list_pages_on_after_its_last_item_even_when_it_has_gone() -> None:
    codes = ["A", "B", "C", "D", "E"]
    first = page_of_list(codes, str, order="code", cursor=None, limit=2)
    assert first.items == ["A", "B"] and first.next_cursor
    second = page_of_list(codes, str, order="code", cursor=first.next_cursor, limit=2)
    assert second.items == ["C", "D"]
    # B archived, Ab added before the cursor: the next page still starts after B's place
    assert page_of_list(["A", "Ab", "C", "D", "E"], str, order="code", cursor=first.next_cursor, limit=2).items == [
        "C",
        "D",
    ]
    last = page_of_list(codes, str, order="code", cursor=second.next_cursor, limit=2)
    assert last.items == ["E"] and last.next_cursor is None
    with pytest.raises(PMFError):
        page_of_list(codes, str, order="period_end", cursor=first.next_cursor, limit=2)
    with pytest.raises(PMFError):
        page_of_list(codes, str, order="code", cursor="not-a-cursor!", limit=2)

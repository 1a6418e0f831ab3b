"""Reminder rules: which reminder a collection task gives, whom an overdue value reaches, and the
backoff between tries (issue 11, section 4; seed 001_ec6bae7b38cacc6f.txt, E.1)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pmf_api.domain.calendar import TaskStatus
from pmf_api.domain.periods import FinancialYear
from pmf_api.domain.reminders import (
    Audience,
    ReminderConfig,
    ReminderKind,
    collection_reminder,
    overdue_audience,
    retry_delay_seconds,
    template_years,
    working_days_between,
)

# Monday 13 October 2025 is a working day; Friday 17th ends the week.
MON = date(2025, 10, 13)


@pytest.mark.parametrize(
    ("status", "due", "as_of", "expected"),
    [
        (TaskStatus.QUERIED, MON, MON, ReminderKind.QUERY_WAITING),
        (TaskStatus.OVERDUE, MON, MON + timedelta(days=1), ReminderKind.OVERDUE),
        (TaskStatus.DUE, MON, MON, ReminderKind.DUE_TODAY),
        (TaskStatus.DUE, MON + timedelta(days=3), MON, ReminderKind.DUE_SOON),  # Thursday: 3 working days
        (TaskStatus.DUE, MON + timedelta(days=4), MON, None),  # Friday: 4 working days, not soon yet
        (TaskStatus.DUE, MON + timedelta(days=7), MON + timedelta(days=4), ReminderKind.DUE_SOON),  # over a weekend
        (TaskStatus.COMPLETE, MON, MON, None),
        (TaskStatus.NOT_OPEN, MON, MON, None),
    ],
)
def test_collection_reminder(status: TaskStatus, due: date, as_of: date, expected: ReminderKind | None) -> None:
    assert collection_reminder(status, due, as_of) is expected


@pytest.mark.parametrize(
    ("days_late", "expected"),
    [
        (1, (Audience.OWNER,)),
        (2, (Audience.OWNER,)),
        (3, (Audience.OWNER, Audience.BACKUP)),  # Thursday: 3 working days late
        (8, (Audience.OWNER, Audience.BACKUP)),  # the next Tuesday: 6 working days
        (10, (Audience.OWNER, Audience.BACKUP, Audience.SERVICE_MANAGER)),  # Thursday week: 8
    ],
)
def test_overdue_escalates_from_owner_to_backup_to_service_manager(
    days_late: int, expected: tuple[Audience, ...]
) -> None:
    assert overdue_audience(MON, MON + timedelta(days=days_late)) == expected


def test_thresholds_are_configurable() -> None:
    config = ReminderConfig(due_soon_working_days=1, backup_after_working_days=1, manager_after_working_days=2)
    assert collection_reminder(TaskStatus.DUE, MON + timedelta(days=2), MON, config) is None
    assert overdue_audience(MON, MON + timedelta(days=2), config) == tuple(Audience)


def test_working_days_between_skips_weekends_and_bank_holidays() -> None:
    assert working_days_between(MON, MON) == 0
    assert working_days_between(MON + timedelta(days=4), MON + timedelta(days=7)) == 1  # Friday to Monday
    assert working_days_between(date(2025, 12, 24), date(2025, 12, 29)) == 1  # Christmas and Boxing Day


@pytest.mark.parametrize(
    ("attempts", "expected"), [(0, 0), (1, 60), (2, 120), (3, 240), (6, 1920), (7, 3600), (1000, 3600)]
)
def test_backoff_doubles_up_to_a_cap(attempts: int, expected: int) -> None:
    assert retry_delay_seconds(attempts, base_seconds=60, cap_seconds=3600) == expected


@given(st.integers(min_value=1, max_value=200), st.integers(1, 600), st.integers(1, 86_400))
def test_backoff_never_shrinks_and_never_passes_the_cap(attempts: int, base: int, cap: int) -> None:
    now = retry_delay_seconds(attempts, base_seconds=base, cap_seconds=cap)
    after = retry_delay_seconds(attempts + 1, base_seconds=base, cap_seconds=cap)
    assert 0 < now <= after <= cap


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)), st.integers(0, 60))
def test_escalation_only_widens_as_days_pass(due: date, days: int) -> None:
    earlier = overdue_audience(due, due + timedelta(days=days))
    later = overdue_audience(due, due + timedelta(days=days + 1))
    assert earlier[0] is Audience.OWNER and set(earlier) <= set(later)


@pytest.mark.parametrize(
    ("as_of", "start_month", "expected"),
    [
        (date(2025, 10, 1), 4, ("2025/26",)),  # mid-year: this year's only
        (date(2025, 12, 29), 4, ("2025/26",)),  # 93 days before 1 April: not yet
        (date(2025, 12, 30), 4, ("2025/26", "2026/27")),  # 92 days before: next year's too
        (date(2026, 3, 31), 4, ("2025/26", "2026/27")),
        (date(2026, 4, 1), 4, ("2026/27",)),  # the year has started: it is this year's
        (date(2025, 10, 1), 1, ("2025/26", "2026/27")),  # a council whose year starts in January
    ],
)
def test_templates_are_chased_for_this_year_and_before_next_year_starts(
    as_of: date, start_month: int, expected: tuple[str, ...]
) -> None:
    assert tuple(str(y) for y in template_years(as_of, start_month)) == expected


@given(st.dates(date(2023, 1, 1), date(2030, 12, 31)), st.integers(1, 12), st.integers(0, 200))
def test_this_year_is_always_chased_and_next_year_only_within_the_lead(
    as_of: date, start_month: int, lead_days: int
) -> None:
    years = template_years(as_of, start_month, lead_days)
    assert years[0].start_date(start_month) <= as_of
    assert len(years) in (1, 2)
    upcoming = FinancialYear(years[0].start_year + 1)
    assert (len(years) == 2) is ((upcoming.start_date(start_month) - as_of).days <= lead_days)

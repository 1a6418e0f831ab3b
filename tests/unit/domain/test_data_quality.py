"""Data Quality Templates (seed 001_ec6bae7b38cacc6f.txt, Appendix B): who signs, the version
lifecycle, and whether a year's values may be published; worked cases and properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pmf_api.domain.data_quality import (
    SIGN_OFF_DECLARATION,
    TEMPLATE_QUESTIONS,
    Characteristic,
    Rating,
    TemplateState,
    Version,
    in_force,
    next_version,
    publication_refusal,
    require_editable,
    sign,
    superseded_by_signing,
    unanswered,
)
from pmf_api.domain.errors import DomainError, TransitionNotAllowed
from pmf_api.domain.roles import Role

D, S, X = TemplateState.DRAFT, TemplateState.SIGNED, TemplateState.SUPERSEDED
FULL = dict.fromkeys(TEMPLATE_QUESTIONS, "answered")


def test_the_declaration_and_questions_are_seed_001s() -> None:
    assert SIGN_OFF_DECLARATION.startswith("I confirm that the above documented procedure is an appropriate")
    assert SIGN_OFF_DECLARATION.endswith("to generate the same result in the event of an absence.")
    assert len(TEMPLATE_QUESTIONS) == 12
    assert "(Performing Amber)" in TEMPLATE_QUESTIONS["amber_factors"]
    assert "(Performing Red)" in TEMPLATE_QUESTIONS["red_factors"]
    # Seed 003's six characteristics, and a three-step scale
    assert [c.value for c in Characteristic] == [
        "accuracy", "validity", "reliability", "timeliness", "relevance", "completeness",
    ]  # fmt: skip
    assert [r.value for r in Rating] == ["good", "adequate", "poor"]


@pytest.mark.parametrize(
    ("state", "roles", "answers", "outcome"),
    [
        (D, {Role.SERVICE_MANAGER}, FULL, S),
        (D, {Role.SERVICE_MANAGER, Role.VIEWER}, FULL, S),
        # Nobody else signs, however senior
        (D, {Role.PERFORMANCE}, FULL, "forbidden"),
        (D, {Role.DIRECTOR, Role.PORTFOLIO_HOLDER}, FULL, "forbidden"),
        (D, {Role.KPI_OWNER}, FULL, "forbidden"),
        (D, set(), FULL, "forbidden"),
        # Only a draft is signed
        (S, {Role.SERVICE_MANAGER}, FULL, "state"),
        (X, {Role.SERVICE_MANAGER}, FULL, "state"),
        # Every question answered
        (D, {Role.SERVICE_MANAGER}, {**FULL, "seasonality": "  "}, "seasonality"),
        (D, {Role.SERVICE_MANAGER}, {**FULL, "red_factors": None}, "red_factors"),
        (D, {Role.SERVICE_MANAGER}, {}, "statistics_collected_by"),
    ],
)
def test_who_signs_and_when(
    state: TemplateState, roles: set[Role], answers: dict[str, str | None], outcome: object
) -> None:
    if outcome is S:
        assert sign(state, roles, answers) is S
        return
    with pytest.raises(DomainError) as raised:
        sign(state, roles, answers)
    error = raised.value
    if outcome == "forbidden":
        assert isinstance(error, TransitionNotAllowed) and error.allowed_roles == ("service_manager",)
        assert "service manager" in error.message
    elif outcome == "state":
        assert isinstance(error, TransitionNotAllowed) and error.allowed_roles == ()
    else:
        assert not isinstance(error, TransitionNotAllowed)
        assert error.field == outcome


@pytest.mark.parametrize(
    ("state", "refused", "says"),
    [(D, False, ""), (S, True, "make a new version"), (X, True, "version in force")],
)
def test_only_a_draft_is_edited(state: TemplateState, refused: bool, says: str) -> None:
    if not refused:
        require_editable(state)
        return
    with pytest.raises(TransitionNotAllowed, match=says):
        require_editable(state)


@pytest.mark.parametrize(
    ("versions", "expected"),
    [
        ([Version(1, S)], 2),
        ([Version(1, X), Version(2, S)], 3),
        ([Version(2, S), Version(1, X)], 3),
        ([Version(1, S), Version(2, D)], "draft"),
        ([Version(1, D)], "draft"),
        ([], "none"),
    ],
)
def test_next_version(versions: list[Version], expected: object) -> None:
    if isinstance(expected, int):
        assert next_version(versions) == expected
    elif expected == "draft":
        with pytest.raises(TransitionNotAllowed, match="draft"):
            next_version(versions)
    else:
        with pytest.raises(DomainError, match="no template"):
            next_version(versions)


@pytest.mark.parametrize(
    ("versions", "signing", "superseded", "before", "after"),
    [
        ([Version(1, D)], 1, [], None, 1),
        ([Version(1, S), Version(2, D)], 2, [1], 1, 2),
        ([Version(1, X), Version(2, S), Version(3, D)], 3, [2], 2, 3),
    ],
)
def test_signing_supersedes_the_version_in_force(
    versions: list[Version], signing: int, superseded: list[int], before: int | None, after: int
) -> None:
    assert in_force(versions) == before
    assert superseded_by_signing(versions, signing) == superseded
    signed = [
        Version(v.number, S if v.number == signing else X if v.number in superseded else v.state) for v in versions
    ]
    assert in_force(signed) == after


@pytest.mark.parametrize(
    ("required", "signed", "refused"),
    [(False, False, False), (False, True, False), (True, True, False), (True, False, True)],
)
def test_the_gate(required: bool, signed: bool, refused: bool) -> None:
    refusal = publication_refusal(required=required, template_signed=signed, kpi_code="WS01", financial_year="2026/27")
    assert (refusal is not None) is refused
    if refusal:
        assert "WS01" in refusal and "2026/27" in refusal


def test_unanswered_lists_the_questions_in_order() -> None:
    assert unanswered(FULL) == []
    assert unanswered({}) == list(TEMPLATE_QUESTIONS)


# --- Properties -------------------------------------------------------------------------------

roles = st.frozensets(st.sampled_from(list(Role)))
states = st.sampled_from(list(TemplateState))


@given(states, roles)
def test_a_signature_needs_a_draft_and_the_service_manager(state: TemplateState, held: frozenset[Role]) -> None:
    try:
        assert sign(state, held, FULL) is S
    except TransitionNotAllowed:
        assert state is not D or Role.SERVICE_MANAGER not in held
    else:
        assert state is D and Role.SERVICE_MANAGER in held


@st.composite
def histories(draw: st.DrawFn) -> list[Version]:
    """A year's versions as the lifecycle makes them: superseded ones, then at most one signed, then at
    most one draft."""
    superseded = draw(st.integers(0, 4))
    signed = draw(st.booleans()) or superseded > 0
    draft = draw(st.booleans()) or not signed
    states = [X] * superseded + [S] * signed + [D] * draft
    versions = [Version(number, state) for number, state in enumerate(states, start=1)]
    return draw(st.permutations(versions))


@given(histories())
def test_the_lifecycle_keeps_one_version_in_force(versions: list[Version]) -> None:
    numbers = [v.number for v in versions]
    drafts = [v for v in versions if v.state is D]
    if drafts:
        # Signing the draft leaves exactly it in force, and supersedes at most one.
        superseded = superseded_by_signing(versions, drafts[0].number)
        assert len(superseded) <= 1
        after = [Version(v.number, S if v is drafts[0] else X if v.number in superseded else v.state) for v in versions]
        assert in_force(after) == drafts[0].number
        assert sum(v.state is S for v in after) == 1
    else:
        assert next_version(versions) == max(numbers) + 1
        assert in_force(versions) == max(numbers)


@given(st.booleans(), st.booleans(), st.text(min_size=1, max_size=8))
def test_the_gate_refuses_only_an_unsigned_year_when_required(required: bool, signed: bool, code: str) -> None:
    refusal = publication_refusal(required=required, template_signed=signed, kpi_code=code, financial_year="2026/27")
    assert (refusal is None) == (not required or signed)

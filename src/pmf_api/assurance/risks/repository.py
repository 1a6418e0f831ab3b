"""Queries of the risk register. Other features (scrutiny challenges) look risks up by id through
:class:`RiskRepository`."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, delete, select

from pmf_api.assurance.risks.models import Risk, RiskLink, RiskReview
from pmf_api.platform.db.repository import OwnedRepository

# The kinds of link a list filters by, and the kinds each filter reads: a mitigating action is an action too.
LINK_FILTERS: dict[str, tuple[str, ...]] = {
    "kpi_id": ("kpi",),
    "outcome_id": ("outcome",),
    "service_plan_id": ("service_plan",),
    "action_id": ("action", "mitigation"),
}


def _linked(kinds: tuple[str, ...]) -> Any:
    def condition(value: Any) -> ColumnElement[bool]:
        return Risk.id.in_(select(RiskLink.risk_id).where(RiskLink.kind.in_(kinds), RiskLink.linked_id == value))

    return condition


class RiskRepository(OwnedRepository[Risk]):
    model = Risk
    what = "risk"
    sortable = {
        "code": Risk.code,
        "title": Risk.title,
        "residual_score": Risk.residual_score,
        "next_review_due": Risk.next_review_due,
        "updated_at": Risk.updated_at,
    }
    default_sort = "code"
    filters = {
        "rag": lambda value: Risk.residual_rag == value,
        # Reviews due before a day (the overdue list passes today: due yesterday or earlier)
        "review_due_before": lambda value: Risk.next_review_due < value,
        "review_due_from": lambda value: Risk.next_review_due >= value,
        **{name: _linked(kinds) for name, kinds in LINK_FILTERS.items()},
    }

    async def replace_links(self, risk_id: uuid.UUID, links: Iterable[tuple[str, uuid.UUID]]) -> None:
        """Make the link index of ``risk_id`` hold exactly ``links`` (kind, id)."""
        await self.session.execute(delete(RiskLink).where(RiskLink.risk_id == risk_id))
        self.session.add_all(RiskLink(risk_id=risk_id, kind=kind, linked_id=linked) for kind, linked in set(links))
        await self.session.flush()


class RiskReviewRepository(OwnedRepository[RiskReview]):
    model = RiskReview
    what = "risk review"
    sortable = {"created_at": RiskReview.created_at}
    default_sort = "-created_at"

"""Queries of actions (Corporate Plan actions, key activities, projects)."""

from __future__ import annotations

from pmf_api.framework.actions.models import Action
from pmf_api.framework.organisations.repository import services_in_directorate, services_in_portfolio
from pmf_api.platform.db.repository import OwnedRepository


class ActionRepository(OwnedRepository[Action]):
    model = Action
    what = "action"
    sortable = {"code": Action.code, "title": Action.title, "updated_at": Action.updated_at}
    default_sort = "code"
    filters = {
        "directorate_id": lambda value: Action.service_id.in_(services_in_directorate(value)),
        "portfolio_id": lambda value: Action.service_id.in_(services_in_portfolio(value)),
        "due_before": lambda value: Action.due_date <= value,
        "due_after": lambda value: Action.due_date >= value,
    }

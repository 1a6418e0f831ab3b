"""Who may do what, decided here and called by services (never by routers).

Everyone with a grant in an organisation may read its performance framework: executive and
scrutiny members read the whole of it (seed 000_a1d4643dc9bd64fe.txt, roles). Writes depend on
the role and whether its scope reaches the record.
"""

from __future__ import annotations

from enum import StrEnum

from pmf_api.access.actor import Actor, Placement
from pmf_api.domain.workflow import Role
from pmf_api.platform.errors import PermissionDenied


class Resource(StrEnum):
    structure = "structure"  # directorates, services, portfolios, people
    corporate_plan = "corporate_plan"  # corporate plans, priorities, outcomes
    service_plan = "service_plan"
    action = "action"
    kpi = "kpi"
    contextual_measure = "contextual_measure"
    target = "target"
    audit = "audit"
    api_key = "api_key"
    webhook = "webhook"  # webhook subscriptions and their delivery log
    objective = "objective"  # individual objectives: also their line manager (framework.objectives)
    risk = "risk"  # the risk register: risks, their reviews and escalation
    scrutiny = "scrutiny"  # scrutiny challenges (assurance.scrutiny)
    report = "report"  # as-reported snapshots of a period (reporting.snapshots)
    finance = "finance"  # budget monitoring and complaints counts (performance.finance)
    benchmark = "benchmark"  # comparator groups, metric mappings, benchmark values (performance.benchmarks)


# Roles that may write each resource, within their scope. The performance team owns the framework
# (seed 001_ec6bae7b38cacc6f.txt, section C); service managers and directors propose their KPIs,
# targets, plans and actions for their own area.
WRITERS: dict[Resource, frozenset[Role]] = {
    Resource.structure: frozenset({Role.PERFORMANCE}),
    Resource.corporate_plan: frozenset({Role.PERFORMANCE}),
    Resource.service_plan: frozenset({Role.PERFORMANCE, Role.DIRECTOR, Role.SERVICE_MANAGER}),
    Resource.action: frozenset({Role.PERFORMANCE, Role.DIRECTOR, Role.SERVICE_MANAGER}),
    Resource.kpi: frozenset({Role.PERFORMANCE, Role.DIRECTOR, Role.SERVICE_MANAGER}),
    Resource.contextual_measure: frozenset({Role.PERFORMANCE}),
    Resource.target: frozenset({Role.PERFORMANCE, Role.DIRECTOR, Role.SERVICE_MANAGER}),
    Resource.audit: frozenset(),
    Resource.api_key: frozenset({Role.PERFORMANCE}),
    Resource.webhook: frozenset({Role.PERFORMANCE}),
    # Beyond the performance team, an objective's line manager sets and reviews it (a person, not a
    # role: framework.objectives.service decides), and its person adds their own comment.
    Resource.objective: frozenset({Role.PERFORMANCE}),
    # A service's operational risks are its managers'; the strategic register is the council's (seed 004)
    Resource.risk: frozenset({Role.PERFORMANCE, Role.DIRECTOR, Role.SERVICE_MANAGER}),
    # Scrutiny members hold the viewer role: they raise challenges (seed 000_a1d4643dc9bd64fe.txt,
    # Overview and Scrutiny Panels "challenge performance"); the performance team records them too.
    Resource.scrutiny: frozenset({Role.PERFORMANCE, Role.VIEWER}),
    # Freezing a period as reported is the performance team's (issue 13); everyone reads what was reported.
    Resource.report: frozenset({Role.PERFORMANCE}),
    # Budget monitoring comes from the finance system; the performance team imports it and the
    # complaints counts for the joint report (seed 003_2a403038ecab8362.txt)
    Resource.finance: frozenset({Role.PERFORMANCE}),
    # Benchmarking with LG Inform and nearest neighbours is the performance team's (seed 003_2a403038ecab8362.txt)
    Resource.benchmark: frozenset({Role.PERFORMANCE}),
}

AUDIT_READERS = frozenset({Role.PERFORMANCE, Role.AUDITOR})

# The roles of an API key that may be sent in a URL (``?api_key=``, Power BI's ApiKeyName): keys
# that read. A URL is logged and saved in more places than a header, so a key that may change
# records (submit values, approve targets, manage keys) is refused there.
READ_ONLY_KEY_ROLES = frozenset({Role.VIEWER, Role.AUDITOR})


def require_write(actor: Actor, resource: Resource, where: Placement | None = None) -> None:
    roles = WRITERS[resource]
    if not actor.holds(roles, where):
        who = ", ".join(sorted(roles)) or "nobody"
        place = "organisation-wide" if where is None else "over this record's service, directorate or portfolio"
        raise PermissionDenied(
            detail=f"Changing {resource.value.replace('_', ' ')} records needs one of the roles {who} {place}"
        )


def require_audit_reader(actor: Actor) -> None:
    if not actor.holds(AUDIT_READERS):
        raise PermissionDenied(detail="Reading the audit trail needs the performance or auditor role")


def require_read(actor: Actor) -> None:
    """Any role in the organisation reads its framework; a token granting nothing reads nothing."""
    if not actor.grants:
        raise PermissionDenied(detail="This token grants no role in the organisation")

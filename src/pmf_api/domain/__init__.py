"""The pure domain rules of the Performance Management Framework: standard library only.

Frozen dataclasses and enums go in, values come out; ``Decimal`` for every measured value; the
date is passed in (``as_of``), never read from a clock. Services, the API and integration scripts
all call these functions. The rules are explained for performance officers in ``docs/rules.md``.

Entry points, by module:

* One call for everything: :func:`evaluate_kpi` ``(definition, observations, targets, period, as_of,
  *, config=EvaluationConfig(), intervention_open=False, expected_range=None, rebase_at=()) ->
  KpiEvaluation``; :func:`rate_period` for one period's RAG; :func:`check_period` for just the
  sense-check flags of a period's value (what ``evaluate_kpi`` flags, at a fraction of the work).
* ``periods``: :class:`FinancialYear`, :class:`Period`, :class:`Frequency`, :func:`financial_year_of`,
  :func:`period_of`.
* ``calendar``: :func:`collection_window` (when a period's values open and are due),
  :class:`CollectionWindow`, :class:`WindowStatus`, :func:`add_working_days`, :func:`is_working_day`,
  :data:`ENGLAND_AND_WALES_BANK_HOLIDAYS`, :func:`england_and_wales_bank_holidays`, :func:`easter_sunday`,
  :func:`collection_task`, :class:`CollectionTask`, :class:`TaskStatus`, :class:`Timeliness`, :func:`tally`,
  :class:`CollectionTally`, :func:`percentage_of`.
* ``kpi``: :class:`KpiDefinition`, :class:`Observation`, :class:`Polarity`, :class:`Aggregation`,
  :class:`Unit`, :class:`TargetType`, :class:`ToleranceKind`.
* ``rag``: :class:`Rag`, :class:`Tolerance`, :class:`KpiTarget`, :class:`RagThresholds`,
  :func:`rag_for`, :func:`check_target`, :func:`round_half_up`.
* ``ytd``: :func:`year_to_date`, :func:`aggregate`, :func:`aggregate_ratio`, :func:`period_target`,
  :func:`ytd_target`, :class:`YearToDate`.
* ``direction``: :func:`direction_of_travel`, :class:`Direction`, :class:`DirectionOfTravel`.
* ``forecast``: :func:`forecast_outturn`, :func:`choose_method`, :class:`Forecast`,
  :class:`ForecastConfig`, :class:`ForecastMethod`.
* ``spc``: :func:`xmr_chart`, :func:`process_limits`, :class:`SpcConfig`, :class:`SpcResult`,
  :class:`SpcLimits`, :class:`SpecialCause`, :class:`Variation`, :class:`Assurance`.
* ``escalation``: :func:`needs_intervention`, :func:`may_close_intervention`,
  :func:`classify_for_review`, :func:`resolve_escalation_config`, :class:`EscalationConfig`,
  :class:`EscalationOverrides`, :class:`Decision`, :class:`ReviewCategory`.
* ``figures``: :func:`~pmf_api.domain.figures.figure_problems`, ``missing_figure`` and
  ``measured_value``: how a period's value or numerator and denominator are given.
* ``validation``: :func:`check_submission`, :class:`Flag`, :class:`Severity`, :class:`ValidationConfig`.
* ``workflow``: :class:`Role`, the state enums, ``*_transition`` and ``allowed_*_transitions`` for
  submissions, targets, service plans and interventions, :func:`start_submission_revision`.
* ``actions``: :func:`check_action_rag`, :class:`ActionUpdate`, :class:`ActionStatus`.
* ``risk``: :func:`assess_risk`, :func:`next_review_date`, :class:`RiskMatrix`, :class:`ReviewCycle`.
* ``errors``: :class:`DomainError` (``message``, ``field``) and its subclasses.
"""

from pmf_api.domain.actions import (
    ActionRagCheck,
    ActionRagConfig,
    ActionStatus,
    ActionUpdate,
    check_action_rag,
)
from pmf_api.domain.calendar import (
    ENGLAND_AND_WALES_BANK_HOLIDAYS,
    CollectionTally,
    CollectionTask,
    CollectionWindow,
    TaskStatus,
    Timeliness,
    WindowStatus,
    add_working_days,
    collection_task,
    collection_window,
    easter_sunday,
    england_and_wales_bank_holidays,
    is_working_day,
    percentage_of,
    tally,
)
from pmf_api.domain.direction import Direction, DirectionOfTravel, direction_of_travel
from pmf_api.domain.errors import (
    DomainError,
    FourEyesRefused,
    InvalidPeriod,
    InvalidTarget,
    InvalidValue,
    TransitionNotAllowed,
)
from pmf_api.domain.escalation import (
    Decision,
    EscalationConfig,
    EscalationOverrides,
    ReviewCategory,
    ReviewClassification,
    classify_for_review,
    may_close_intervention,
    needs_intervention,
    resolve_escalation_config,
)
from pmf_api.domain.evaluation import (
    EvaluationConfig,
    KpiEvaluation,
    PeriodRag,
    check_period,
    evaluate_kpi,
    rate_period,
)
from pmf_api.domain.forecast import Forecast, ForecastConfig, ForecastMethod, choose_method, forecast_outturn
from pmf_api.domain.kpi import (
    Aggregation,
    KpiDefinition,
    Observation,
    Polarity,
    TargetType,
    ToleranceKind,
    Unit,
)
from pmf_api.domain.periods import FinancialYear, Frequency, Period, financial_year_of, period_of
from pmf_api.domain.rag import KpiTarget, Rag, RagThresholds, Tolerance, check_target, rag_for, round_half_up
from pmf_api.domain.risk import ReviewCycle, RiskAssessment, RiskMatrix, assess_risk, next_review_date
from pmf_api.domain.spc import (
    Assurance,
    SpcConfig,
    SpcLimits,
    SpcResult,
    SpecialCause,
    Variation,
    process_limits,
    xmr_chart,
)
from pmf_api.domain.validation import Flag, Severity, ValidationConfig, check_submission
from pmf_api.domain.workflow import (
    FourEyes,
    InterventionState,
    Move,
    Role,
    ServicePlanState,
    SubmissionState,
    TargetState,
    allowed_intervention_transitions,
    allowed_service_plan_transitions,
    allowed_submission_transitions,
    allowed_target_transitions,
    intervention_transition,
    service_plan_transition,
    start_submission_revision,
    submission_move,
    submission_transition,
    target_move,
    target_transition,
)
from pmf_api.domain.ytd import YearToDate, aggregate, aggregate_ratio, period_target, year_to_date, ytd_target

__all__ = [
    "ENGLAND_AND_WALES_BANK_HOLIDAYS",
    "ActionRagCheck",
    "ActionRagConfig",
    "ActionStatus",
    "ActionUpdate",
    "Aggregation",
    "Assurance",
    "CollectionTally",
    "CollectionTask",
    "CollectionWindow",
    "Decision",
    "Direction",
    "DirectionOfTravel",
    "DomainError",
    "EscalationConfig",
    "EscalationOverrides",
    "EvaluationConfig",
    "FinancialYear",
    "Flag",
    "Forecast",
    "ForecastConfig",
    "ForecastMethod",
    "FourEyes",
    "FourEyesRefused",
    "Frequency",
    "InterventionState",
    "InvalidPeriod",
    "InvalidTarget",
    "InvalidValue",
    "KpiDefinition",
    "KpiEvaluation",
    "KpiTarget",
    "Move",
    "Observation",
    "Period",
    "PeriodRag",
    "Polarity",
    "Rag",
    "RagThresholds",
    "ReviewCategory",
    "ReviewClassification",
    "ReviewCycle",
    "RiskAssessment",
    "RiskMatrix",
    "Role",
    "ServicePlanState",
    "Severity",
    "SpcConfig",
    "SpcLimits",
    "SpcResult",
    "SpecialCause",
    "SubmissionState",
    "TargetState",
    "TargetType",
    "TaskStatus",
    "Timeliness",
    "Tolerance",
    "ToleranceKind",
    "TransitionNotAllowed",
    "Unit",
    "ValidationConfig",
    "Variation",
    "WindowStatus",
    "YearToDate",
    "add_working_days",
    "aggregate",
    "aggregate_ratio",
    "allowed_intervention_transitions",
    "allowed_service_plan_transitions",
    "allowed_submission_transitions",
    "allowed_target_transitions",
    "assess_risk",
    "check_action_rag",
    "check_period",
    "check_submission",
    "check_target",
    "choose_method",
    "classify_for_review",
    "collection_task",
    "collection_window",
    "direction_of_travel",
    "easter_sunday",
    "england_and_wales_bank_holidays",
    "evaluate_kpi",
    "financial_year_of",
    "forecast_outturn",
    "intervention_transition",
    "is_working_day",
    "may_close_intervention",
    "needs_intervention",
    "next_review_date",
    "percentage_of",
    "period_of",
    "period_target",
    "process_limits",
    "rag_for",
    "rate_period",
    "resolve_escalation_config",
    "round_half_up",
    "service_plan_transition",
    "start_submission_revision",
    "submission_move",
    "submission_transition",
    "tally",
    "target_move",
    "target_transition",
    "xmr_chart",
    "year_to_date",
    "ytd_target",
]

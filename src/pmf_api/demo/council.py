"""Northdale District Council: a fictional council to try the product with.

Everything below is invented: the council, its people (all ``@example.gov.uk``), its plans and its
figures. The shape follows the public frameworks in ``/work/shared/seeds``: operational performance
indicators with a target and an intervention level each (seed 000_a1d4643dc9bd64fe.txt), growth /
maintain / reduction targets and tolerances, LGOF outcomes and Best Value Duty themes
(seed 001_ec6bae7b38cacc6f.txt), and Do / Enable / Influence actions (seed 000).

The data is kept as tables at the top of this module so that a council evaluating the product can
read, in one place, what a framework looks like once it is loaded. ``load_demo`` turns the tables
into rows; it adds and flushes but never commits (the caller owns the transaction), and it does
nothing when the demo council is already there.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from pmf_api.access.actor import Grant, ScopeType
from pmf_api.demo.benchmarks import load_benchmarks
from pmf_api.demo.delivery import Records, load_delivery
from pmf_api.demo.finance import load_finance
from pmf_api.demo.history import PERFORMANCE_OFFICER, load_history
from pmf_api.demo.reports import freeze_last_quarter
from pmf_api.domain.data_quality import SIGN_OFF_DECLARATION
from pmf_api.domain.workflow import Role
from pmf_api.framework.actions.models import Action
from pmf_api.framework.organisations.models import Directorate, Organisation, Person, Portfolio, Service
from pmf_api.framework.organisations.repository import directory
from pmf_api.framework.plans.models import CorporatePlan, Outcome, Priority, ServicePlan
from pmf_api.performance.data_quality.models import RATED, DataQualityReview, DataQualityTemplate
from pmf_api.performance.kpis.models import ContextualMeasure, Kpi
from pmf_api.performance.targets.models import Target, TargetRevision
from pmf_api.platform.db.base import Base

DEMO_ORGANISATION_CODE = "NORTHDALE"
DEMO_ORGANISATION_NAME = "Northdale District Council"
DEMO_EMAIL_DOMAIN = "example.gov.uk"
CURRENT_FINANCIAL_YEAR = "2026/27"
FIRST_DAY_OF_CURRENT_YEAR = date(2026, 4, 1)
FINANCIAL_YEARS = ("2024/25", "2025/26", "2026/27")
"""Target years, oldest first: each KPI's ``targets`` tuple below follows this order."""
CREATED_BY = "demo"

# --------------------------------------------------------------------------------------------------
# Structure: directorates, portfolios (a cabinet member's remit) and services
# --------------------------------------------------------------------------------------------------

# (code, name, director: a key of PEOPLE)
DIRECTORATES: list[tuple[str, str, str]] = [
    ("PLACE", "Place", "dir_place"),
    ("COMMUNITIES", "Communities and Customers", "dir_communities"),
    ("RESOURCES", "Corporate Resources", "dir_resources"),
]

# (code, name, holder: a key of PEOPLE)
PORTFOLIOS: list[tuple[str, str, str]] = [
    ("ENV", "Environment, Waste and Street Scene", "cllr_environment"),
    ("GROWTH", "Planning and Economic Growth", "cllr_growth"),
    ("COMMUNITY", "Housing, Leisure and Communities", "cllr_community"),
    ("CORPORATE", "Finance, Customers and Corporate Services", "cllr_corporate"),
]

# (code, name, directorate, portfolio, head of service: a key of PEOPLE)
SERVICES: list[tuple[str, str, str, str, str]] = [
    ("WASTE", "Waste and Street Scene", "PLACE", "ENV", "hos_waste"),
    ("PLANNING", "Planning (Development Management)", "PLACE", "GROWTH", "hos_planning"),
    ("ENVHEALTH", "Environmental Health and Licensing", "PLACE", "ENV", "hos_envhealth"),
    ("HOUSING", "Housing Needs", "COMMUNITIES", "COMMUNITY", "hos_housing"),
    ("LEISURE", "Leisure and Active Communities", "COMMUNITIES", "COMMUNITY", "hos_leisure"),
    ("CUSTOMER", "Customer Services and Information Governance", "COMMUNITIES", "CORPORATE", "hos_customer"),
    ("REVBEN", "Revenues and Benefits", "RESOURCES", "CORPORATE", "hos_revben"),
    ("FINANCE", "Finance and Procurement", "RESOURCES", "CORPORATE", "hos_finance"),
    ("HROD", "HR and Organisational Development", "RESOURCES", "CORPORATE", "hos_hrod"),
]

# --------------------------------------------------------------------------------------------------
# People. Corporate roles (performance team, directors, councillors, audit) sit in no service.
# --------------------------------------------------------------------------------------------------

# (key, name, job title, service code or None)
PEOPLE: list[tuple[str, str, str, str | None]] = [
    # Business Performance & Insights: owns the framework (seed 001, section C)
    ("perf_manager", "Priya Raman", "Business Performance & Insights Manager", None),
    ("perf_officer", "Tom Ashworth", "Business Performance & Insights Officer", None),
    ("perf_analyst", "Grace Okafor", "Business Performance & Insights Officer", None),
    # Senior Leadership Team
    ("chief_exec", "Helen Marsh", "Chief Executive", None),
    ("dir_place", "Martin Kellett", "Director of Place", None),
    ("dir_communities", "Aisha Begum", "Director of Communities and Customers", None),
    ("dir_resources", "David Lowe", "Director of Corporate Resources (Section 151 Officer)", None),
    # Elected members: cabinet (portfolio holders) and Overview & Scrutiny
    (
        "cllr_environment",
        "Cllr Sarah Pennington",
        "Executive Councillor for Environment, Waste and Street Scene",
        None,
    ),
    ("cllr_growth", "Cllr James Oduya", "Executive Councillor for Planning and Economic Growth", None),
    (
        "cllr_community",
        "Cllr Linda Fairweather",
        "Executive Councillor for Housing, Leisure and Communities",
        None,
    ),
    (
        "cllr_corporate",
        "Cllr Robert Hale",
        "Executive Councillor for Finance, Customers and Corporate Services",
        None,
    ),
    (
        "cllr_scrutiny",
        "Cllr Margaret Doyle",
        "Chair, Overview and Scrutiny Panel (Performance and Growth)",
        None,
    ),
    # Internal audit: reads everything, including the audit trail
    ("auditor", "Kevin Blake", "Internal Audit Manager", None),
    # Waste and Street Scene
    ("hos_waste", "Neil Thornton", "Head of Waste and Street Scene", "WASTE"),
    ("waste_ops", "Karen Whitfield", "Waste Operations Manager", "WASTE"),
    ("waste_officer", "Ben Carter", "Waste Data and Contracts Officer", "WASTE"),
    ("street_scene", "Joanne Price", "Street Scene and Enforcement Team Leader", "WASTE"),
    # Planning
    ("hos_planning", "Fiona Gallagher", "Head of Planning", "PLANNING"),
    ("dm_manager", "Owen Hughes", "Development Management Manager", "PLANNING"),
    ("planning_support", "Chloe Simmons", "Planning Technical Support Team Leader", "PLANNING"),
    # Environmental Health and Licensing
    ("hos_envhealth", "Rajesh Patel", "Head of Environmental Health and Licensing", "ENVHEALTH"),
    ("food_lead", "Emma Sinclair", "Lead Officer, Food and Safety", "ENVHEALTH"),
    ("ehp_officer", "Daniel Moss", "Senior Environmental Health Officer", "ENVHEALTH"),
    # Housing Needs
    ("hos_housing", "Claire Dunmore", "Head of Housing Needs", "HOUSING"),
    ("housing_options", "Marcus Reid", "Housing Options Manager", "HOUSING"),
    ("ta_officer", "Sophie Lang", "Temporary Accommodation Officer", "HOUSING"),
    # Leisure and Active Communities
    ("hos_leisure", "Gareth Evans", "Head of Leisure and Active Communities", "LEISURE"),
    ("leisure_ops", "Natalie Brooks", "Leisure Centres Operations Manager", "LEISURE"),
    ("leisure_officer", "Ryan Coates", "Leisure Business Development Officer", "LEISURE"),
    # Customer Services and Information Governance
    ("hos_customer", "Angela Moore", "Head of Customer Services", "CUSTOMER"),
    ("contact_centre", "Lee Harrison", "Contact Centre Manager", "CUSTOMER"),
    ("info_gov", "Rebecca Shaw", "Information Governance and Complaints Officer", "CUSTOMER"),
    # Revenues and Benefits
    ("hos_revben", "Paul Whitaker", "Head of Revenues and Benefits", "REVBEN"),
    ("benefits_mgr", "Hannah Cole", "Benefits Manager", "REVBEN"),
    ("revenues_mgr", "Stuart Bell", "Revenues Manager", "REVBEN"),
    # Finance and Procurement
    ("hos_finance", "Julie Armitage", "Head of Finance (Deputy Section 151 Officer)", "FINANCE"),
    ("payments_lead", "Simon Fraser", "Exchequer and Payments Team Leader", "FINANCE"),
    ("accountant", "Nadia Hussain", "Senior Accountant", "FINANCE"),
    # HR and Organisational Development
    ("hos_hrod", "Catherine Ward", "Head of HR and Organisational Development", "HROD"),
    ("hr_advisor", "Mark Jennings", "Senior HR Advisor", "HROD"),
    ("hr_analyst", "Laura Kent", "HR Systems and Workforce Data Officer", "HROD"),
]

# One demo person for each role the product knows, and where that role applies: the CLI mints a
# token "as" one of these (see ``demo_grant``). role -> (person key, scope, scope code)
PERSONAS: dict[Role, tuple[str, ScopeType, str | None]] = {
    Role.PERFORMANCE: ("perf_officer", ScopeType.ORGANISATION, None),
    Role.DIRECTOR: ("dir_place", ScopeType.DIRECTORATE, "PLACE"),
    Role.PORTFOLIO_HOLDER: ("cllr_environment", ScopeType.PORTFOLIO, "ENV"),
    Role.SERVICE_MANAGER: ("hos_waste", ScopeType.SERVICE, "WASTE"),
    Role.KPI_OWNER: ("waste_officer", ScopeType.SERVICE, "WASTE"),
    Role.VIEWER: ("cllr_scrutiny", ScopeType.ORGANISATION, None),
    Role.AUDITOR: ("auditor", ScopeType.ORGANISATION, None),
}

# --------------------------------------------------------------------------------------------------
# Corporate Plan 2023-2028: priorities and outcomes (the golden thread)
# --------------------------------------------------------------------------------------------------

CORPORATE_PLAN = {
    "title": "Northdale Corporate Plan 2023-2028",
    "start_year": 2023,
    "end_year": 2028,
    "status": "adopted",
    "description": (
        "Our five-year plan for Northdale: what we will do ourselves, what we will enable others to do and "
        "where we will use our influence. Actions and performance indicators are refreshed every year."
    ),
}

# (code, title)
PRIORITIES: list[tuple[str, str]] = [
    ("P1", "Clean, green and safe neighbourhoods"),
    ("P2", "Homes that meet people's needs"),
    ("P3", "A thriving local economy"),
    ("P4", "Healthy, active and supported residents"),
    ("P5", "Customers at the heart of what we do"),
    ("P6", "A well-run, financially sustainable council"),
]

# Best Value Duty themes (statutory guidance, May 2024; seed 001_ec6bae7b38cacc6f.txt)
CI = "continuous_improvement"
LEADERSHIP = "leadership"
GOVERNANCE = "governance"
CULTURE = "culture"
RESOURCES = "use_of_resources"
DELIVERY = "service_delivery"
PARTNERSHIPS = "partnerships_and_community_engagement"

# (priority, code, title, LGOF outcome or None, Best Value themes)
OUTCOMES: list[tuple[str, str, str, str | None, tuple[str, ...]]] = [
    ("P1", "O1.1", "Streets and public spaces are clean and free of litter and fly-tipping",
     "Neighbourhoods", (DELIVERY, PARTNERSHIPS)),
    ("P1", "O1.2", "Less waste is produced and more of it is reused, recycled or composted",
     "Environment and climate change", (DELIVERY, RESOURCES)),
    ("P1", "O1.3", "Residents are protected from unsafe food and environmental harm", None, (DELIVERY,)),
    ("P2", "O2.1", "Fewer households become homeless",
     "Reducing homelessness and rough sleeping", (DELIVERY, PARTNERSHIPS)),
    ("P2", "O2.2", "Fewer households live in temporary accommodation, and for shorter stays",
     "Reducing homelessness and rough sleeping", (DELIVERY, RESOURCES)),
    ("P2", "O2.3", "The right homes are built in the right places", "Housing", (PARTNERSHIPS,)),
    ("P3", "O3.1", "Planning decisions are timely and support good growth",
     "Economic prosperity and regeneration", (DELIVERY, CI)),
    ("P3", "O3.2", "Businesses start, grow and stay in Northdale",
     "Economic prosperity and regeneration", (PARTNERSHIPS,)),
    ("P4", "O4.1", "More residents are physically active", "Health and wellbeing", (DELIVERY, PARTNERSHIPS)),
    ("P4", "O4.2", "Residents in financial hardship get the support they are entitled to, quickly",
     "Reducing child poverty", (DELIVERY,)),
    ("P5", "O5.1", "Residents can reach us easily and get what they need first time", None, (DELIVERY, CI)),
    ("P5", "O5.2", "We answer complaints and information requests on time and learn from them",
     None, (GOVERNANCE, CI)),
    ("P6", "O6.1", "We collect the income that pays for local services", None, (RESOURCES,)),
    ("P6", "O6.2", "A healthy, skilled and motivated workforce", None, (CULTURE, LEADERSHIP)),
    ("P6", "O6.3", "Suppliers are paid promptly and public money is well managed", None,
     (RESOURCES, GOVERNANCE)),
]  # fmt: skip

# --------------------------------------------------------------------------------------------------
# KPIs and their targets for 2024/25, 2025/26 and 2026/27
# --------------------------------------------------------------------------------------------------

# Seasonal shapes for cumulative (``sum``) KPIs, April to March. A year's profile is its annual
# target split in these proportions at the KPI's decimal places, adding up exactly to the target.
SEASONAL_WEIGHTS: dict[str, tuple[int, ...]] = {
    # Garden waste season and the Christmas and New Year catch-up push missed bins up
    "missed_bins": (9, 9, 8, 8, 8, 8, 8, 7, 8, 11, 9, 7),
    # Fly-tipping peaks in spring and summer
    "fly_tipping": (9, 10, 10, 10, 9, 8, 8, 7, 6, 7, 7, 9),
    # Residual waste: heavier in summer and after Christmas
    "residual_waste": (85, 90, 88, 86, 84, 80, 82, 80, 86, 90, 78, 71),
    # Leisure: New Year resolutions, a summer-holiday dip and a quiet December
    "leisure_visits": (8, 9, 8, 8, 7, 8, 9, 9, 6, 10, 9, 9),
    # Homelessness preventions: steady through the year
    "flat": (1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1),
}

# In-year collection builds up month by month: the share of the year-end rate expected at each
# month's end (council tax and business rates). Profiles of ``latest`` KPIs hold each month's level.
CUMULATIVE_COLLECTION_SHARE: tuple[str, ...] = (
    "0.111", "0.204", "0.297", "0.390", "0.483", "0.576", "0.669", "0.762", "0.852", "0.942", "0.985", "1",
)  # fmt: skip

# Kind of tolerance for a KPI: the intervention level itself, or a percentage of the target
IL = "intervention_level"
PCT = "percentage"


@dataclass(frozen=True)
class DemoKpi:
    """One operational KPI. ``targets`` gives, per year of FINANCIAL_YEARS, (target type, annual target,
    tolerance): the tolerance is the intervention level when ``tolerance_kind`` is ``IL``, else a
    percentage of the target."""

    code: str
    title: str
    service: str
    outcome: str
    owner: str
    backup: str
    unit: str
    polarity: str
    aggregation: str
    decimal_places: int
    targets: tuple[tuple[str, str, str], ...]
    definition: str
    frequency: str = "monthly"
    statutory: bool = False
    source: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    expected: tuple[str, str] | None = None
    tolerance_kind: str = IL
    profile: str | None = None
    why_it_matters: str | None = None


HIGHER = "higher_is_better"
LOWER = "lower_is_better"

# Published to residents as open data (seed 003_2a403038ecab8362.txt, "Transparency and
# accountability"): what people ask about most: bins, fly-tipping, planning, homelessness, phones.
PUBLIC_KPIS = frozenset({"WS01", "WS04", "WS05", "PL01", "HN01", "CS01"})

KPIS: list[DemoKpi] = [
    # ---- Waste and Street Scene --------------------------------------------------------------
    DemoKpi(
        "WS01", "Household waste sent for reuse, recycling and composting (%)", "WASTE", "O1.2",
        "waste_officer", "waste_ops", "percentage", HIGHER, "ratio", 1,
        (("growth", "50.0", "45.0"), ("growth", "51.0", "46.0"), ("growth", "52.0", "47.0")),
        "Tonnes of household waste sent for reuse, recycling or composting as a percentage of all household "
        "waste collected (formerly NI 192). Validated quarterly through WasteDataFlow.",
        statutory=True, source="WasteDataFlow / weighbridge tickets",
        numerator="Tonnes of household waste reused, recycled or composted",
        denominator="Tonnes of household waste collected", expected=("30", "65"),
    ),
    DemoKpi(
        "WS02", "Residual household waste per household (kg)", "WASTE", "O1.2",
        "waste_officer", "waste_ops", "number", LOWER, "sum", 1,
        (("reduction", "460", "5"), ("reduction", "450", "5"), ("reduction", "440", "5")),
        "Kilograms of household waste not reused, recycled or composted, divided by the number of "
        "households (formerly NI 191). Monthly figures add up to the year.",
        statutory=True, source="WasteDataFlow", expected=("25", "50"), tolerance_kind=PCT,
        profile="residual_waste",
    ),
    DemoKpi(
        "WS03", "Missed bin collections", "WASTE", "O1.1",
        "waste_ops", "waste_officer", "count", LOWER, "sum", 0,
        (("reduction", "2700", "10"), ("reduction", "2500", "10"), ("reduction", "2300", "10")),
        "Number of reported missed collections (refuse, recycling and garden waste) confirmed as the "
        "council's fault, after excluding bins not presented or blocked access.",
        source="In-cab system and CRM", expected=("100", "400"), tolerance_kind=PCT, profile="missed_bins",
    ),
    DemoKpi(
        "WS04", "Missed bins per 100,000 collections", "WASTE", "O1.1",
        "waste_ops", "waste_officer", "rate", LOWER, "average", 1,
        (("maintain", "60.0", "80.0"), ("reduction", "55.0", "75.0"), ("reduction", "50.0", "70.0")),
        "Confirmed missed collections in the month divided by scheduled collections in the month, "
        "times 100,000. The year to date is the average of the months.",
        source="In-cab system and CRM", expected=("10", "150"),
    ),
    DemoKpi(
        "WS05", "Fly-tipping incidents reported", "WASTE", "O1.1",
        "street_scene", "waste_ops", "count", LOWER, "sum", 0,
        (("reduction", "1450", "1600"), ("reduction", "1400", "1550"), ("reduction", "1350", "1500")),
        "Number of fly-tipping incidents on public land reported to or found by the council, as returned to "
        "Defra through WasteDataFlow.",
        statutory=True, source="Flycapture / WasteDataFlow", expected=("50", "200"), profile="fly_tipping",
    ),
    # ---- Planning -----------------------------------------------------------------------------
    DemoKpi(
        "PL01", "Major planning applications determined in time (%)", "PLANNING", "O3.1",
        "dm_manager", "planning_support", "percentage", HIGHER, "ratio", 1,
        (("maintain", "85.0", "70.0"), ("maintain", "85.0", "70.0"), ("growth", "90.0", "70.0")),
        "Major applications decided within 13 weeks, or within an extension of time agreed with the "
        "applicant, as a percentage of all major applications decided (PS1/PS2 returns). Below 60% over "
        "two years risks designation.",
        statutory=True, source="Uniform / MHCLG PS1 and PS2",
        numerator="Major applications determined within 13 weeks or agreed extension",
        denominator="Major applications determined", expected=("0", "100"),
    ),
    DemoKpi(
        "PL02", "Minor planning applications determined in time (%)", "PLANNING", "O3.1",
        "dm_manager", "planning_support", "percentage", HIGHER, "ratio", 1,
        (("maintain", "80.0", "70.0"), ("growth", "82.0", "72.0"), ("growth", "85.0", "75.0")),
        "Minor applications decided within 8 weeks or an agreed extension of time, as a percentage of all "
        "minor applications decided (PS1/PS2 returns).",
        statutory=True, source="Uniform / MHCLG PS1 and PS2",
        numerator="Minor applications determined within 8 weeks or agreed extension",
        denominator="Minor applications determined", expected=("40", "100"),
    ),
    DemoKpi(
        "PL03", "Other planning applications determined in time (%)", "PLANNING", "O3.1",
        "planning_support", "dm_manager", "percentage", HIGHER, "ratio", 1,
        (("maintain", "90.0", "80.0"), ("maintain", "90.0", "80.0"), ("growth", "92.0", "82.0")),
        "'Other' applications (householder, change of use, adverts, listed building consents) decided within "
        "8 weeks or an agreed extension, as a percentage of those decided (PS1/PS2 returns).",
        statutory=True, source="Uniform / MHCLG PS1 and PS2",
        numerator="Other applications determined within 8 weeks or agreed extension",
        denominator="Other applications determined", expected=("50", "100"),
    ),
    # ---- Environmental Health and Licensing ---------------------------------------------------
    DemoKpi(
        "EH01", "Planned food hygiene inspections completed (%)", "ENVHEALTH", "O1.3",
        "food_lead", "ehp_officer", "percentage", HIGHER, "ratio", 1,
        (("growth", "95.0", "85.0"), ("growth", "97.0", "90.0"), ("maintain", "97.0", "90.0")),
        "Food hygiene interventions due under the Food Law Code of Practice that were completed, as a "
        "percentage of those due in the period.",
        statutory=True, source="Uniform / FSA Local Authority Monitoring",
        numerator="Planned food hygiene inspections completed",
        denominator="Planned food hygiene inspections due",
        expected=("50", "100"),
    ),
    DemoKpi(
        "EH02", "Food businesses rated 4 or 5 for food hygiene (%)", "ENVHEALTH", "O1.3",
        "ehp_officer", "food_lead", "percentage", HIGHER, "latest", 1,
        (("maintain", "92.0", "88.0"), ("maintain", "92.0", "88.0"), ("growth", "93.0", "89.0")),
        "Share of rated food businesses holding a Food Hygiene Rating of 4 (good) or 5 (very good) at the "
        "month end.",
        source="FSA Food Hygiene Rating Scheme", expected=("80", "100"),
    ),
    # ---- Housing Needs ------------------------------------------------------------------------
    DemoKpi(
        "HN01", "Households in temporary accommodation", "HOUSING", "O2.2",
        "ta_officer", "housing_options", "count", LOWER, "latest", 0,
        (("reduction", "110", "130"), ("maintain", "110", "130"), ("reduction", "100", "120")),
        "Number of households placed in temporary accommodation under the homelessness duties on the last "
        "day of the month (snapshot, as in the H-CLIC return).",
        statutory=True, source="Housing case management system / H-CLIC", expected=("50", "200"),
    ),
    DemoKpi(
        "HN02", "Homelessness preventions", "HOUSING", "O2.1",
        "housing_options", "ta_officer", "count", HIGHER, "sum", 0,
        (("growth", "360", "300"), ("growth", "384", "324"), ("growth", "408", "348")),
        "Households whose prevention duty ended because they secured accommodation for at least six "
        "months (H-CLIC).",
        statutory=True, source="Housing case management system / H-CLIC", expected=("10", "60"),
        profile="flat",
    ),
    DemoKpi(
        "HN03", "Families with children in bed and breakfast for more than six weeks", "HOUSING", "O2.2",
        "ta_officer", "housing_options", "count", LOWER, "latest", 0,
        (("maintain", "0", "2"), ("maintain", "0", "2"), ("maintain", "0", "1")),
        "Households with dependent children or a pregnant member in bed and breakfast accommodation for "
        "longer than six weeks at the month end (unlawful under the Suitability Order 2003).",
        statutory=True, source="Housing case management system / H-CLIC", expected=("0", "10"),
    ),
    # ---- Leisure and Active Communities ---------------------------------------------------------
    DemoKpi(
        "LA01", "Leisure centre visits", "LEISURE", "O4.1",
        "leisure_ops", "leisure_officer", "count", HIGHER, "sum", 0,
        (("growth", "1200000", "5"), ("growth", "1250000", "5"), ("growth", "1300000", "5")),
        "Attendances at the council's three leisure centres (swims, gym, classes, courts and casual use) "
        "recorded at the tills and access gates.",
        source="Leisure management system", expected=("60000", "140000"), tolerance_kind=PCT,
        profile="leisure_visits",
    ),
    DemoKpi(
        "LA02", "Leisure memberships (direct debit, month end)", "LEISURE", "O4.1",
        "leisure_officer", "leisure_ops", "count", HIGHER, "latest", 0,
        (("growth", "9000", "8500"), ("growth", "9400", "8800"), ("growth", "9800", "9200")),
        "Number of live direct debit memberships on the last day of the month.",
        source="Leisure management system", expected=("7000", "12000"),
    ),
    # ---- Customer Services and Information Governance ----------------------------------------------
    DemoKpi(
        "CS01", "Customer calls answered (%)", "CUSTOMER", "O5.1",
        "contact_centre", "hos_customer", "percentage", HIGHER, "ratio", 1,
        (("growth", "85.0", "80.0"), ("growth", "88.0", "82.0"), ("growth", "90.0", "85.0")),
        "Calls to the contact centre answered by an adviser as a percentage of calls offered (abandoned "
        "calls under 5 seconds are excluded).",
        source="Telephony system", numerator="Calls answered", denominator="Calls offered",
        expected=("50", "100"),
    ),
    DemoKpi(
        "CS02", "Average call wait time (seconds)", "CUSTOMER", "O5.1",
        "contact_centre", "hos_customer", "time", LOWER, "average", 0,
        (("reduction", "180", "240"), ("reduction", "150", "210"), ("reduction", "120", "180")),
        "Mean time in seconds from a call entering the queue to an adviser answering it.",
        source="Telephony system", expected=("30", "900"),
    ),
    DemoKpi(
        "CS03", "Complaints answered within 10 working days (%)", "CUSTOMER", "O5.2",
        "info_gov", "contact_centre", "percentage", HIGHER, "ratio", 1,
        (("maintain", "90.0", "80.0"), ("maintain", "90.0", "80.0"), ("growth", "92.0", "85.0")),
        "Stage 1 and stage 2 complaints answered within 10 working days, as a percentage of complaints "
        "answered in the period (Complaint Handling Code).",
        source="Complaints system", numerator="Complaints answered within 10 working days",
        denominator="Complaints answered", expected=("50", "100"),
    ),
    DemoKpi(
        "CS04", "FOI and EIR requests answered within 20 working days (%)", "CUSTOMER", "O5.2",
        "info_gov", "hos_customer", "percentage", HIGHER, "ratio", 1,
        (("growth", "90.0", "85.0"), ("growth", "92.0", "88.0"), ("growth", "95.0", "90.0")),
        "Freedom of Information and Environmental Information Regulations requests answered within the "
        "statutory 20 working days, as a percentage of requests due in the period (the ICO expects 90%).",
        source="Case management system", numerator="Requests answered within 20 working days",
        denominator="Requests due", expected=("50", "100"),
    ),
    # ---- Revenues and Benefits ---------------------------------------------------------------
    DemoKpi(
        "RB01", "Average days to process new Housing Benefit and Council Tax Support claims",
        "REVBEN", "O4.2",
        "benefits_mgr", "hos_revben", "days", LOWER, "average", 1,
        (("reduction", "20.0", "25.0"), ("reduction", "18.0", "22.0"), ("reduction", "17.0", "10")),
        "Average calendar days from receipt of a new claim to the decision, for claims decided in the month "
        "(DWP Right Time Indicator method).",
        statutory=True, source="Benefits system / DWP SHBE", expected=("5", "40"), tolerance_kind=IL,
    ),
    DemoKpi(
        "RB02", "Average days to process change events", "REVBEN", "O4.2",
        "benefits_mgr", "hos_revben", "days", LOWER, "average", 1,
        (("reduction", "8.0", "10.0"), ("reduction", "7.0", "9.0"), ("reduction", "6.0", "8.0")),
        "Average calendar days to process changes of circumstances to Housing Benefit and Council Tax "
        "Support claims (DWP Right Time Indicator method).",
        statutory=True, source="Benefits system / DWP SHBE", expected=("1", "20"),
    ),
    DemoKpi(
        "RB03", "Council tax collected in year (%)", "REVBEN", "O6.1",
        "revenues_mgr", "hos_revben", "percentage", HIGHER, "latest", 1,
        (("maintain", "98.0", "97.0"), ("growth", "98.2", "97.2"), ("growth", "98.3", "97.5")),
        "Council tax received in the year for the year, as a percentage of the net collectable debit "
        "(QRC4 return). Builds up through the year: the profile gives each month's expected level.",
        statutory=True, source="Revenues system / QRC4", expected=("5", "100"),
        profile="collection",
    ),
    DemoKpi(
        "RB04", "Business rates collected in year (%)", "REVBEN", "O6.1",
        "revenues_mgr", "hos_revben", "percentage", HIGHER, "latest", 1,
        (("maintain", "98.5", "97.5"), ("maintain", "98.5", "97.5"), ("growth", "98.8", "97.8")),
        "Non-domestic rates received in the year for the year, as a percentage of the net collectable debit "
        "(QRC4 return). Builds up through the year: the profile gives each month's expected level.",
        statutory=True, source="Revenues system / QRC4", expected=("5", "100"),
        profile="collection",
    ),
    # ---- Finance and Procurement -------------------------------------------------------------
    DemoKpi(
        "FP01", "Undisputed invoices paid within 30 days (%)", "FINANCE", "O6.3",
        "payments_lead", "accountant", "percentage", HIGHER, "ratio", 1,
        (("maintain", "95.0", "90.0"), ("growth", "96.0", "92.0"), ("growth", "97.0", "93.0")),
        "Undisputed supplier invoices paid within 30 days of receipt, as a percentage of undisputed invoices "
        "paid (Public Contracts Regulations 2015, reg. 113).",
        source="Finance system", numerator="Undisputed invoices paid within 30 days",
        denominator="Undisputed invoices paid", expected=("70", "100"),
    ),
    DemoKpi(
        "FP02", "Sundry debt more than 90 days old (£)", "FINANCE", "O6.1",
        "accountant", "payments_lead", "currency", LOWER, "latest", 2,
        (("reduction", "275000.00", "325000.00"), ("reduction", "250000.00", "300000.00"),
         ("reduction", "225000.00", "10")),
        "Value of sundry (non-tax) debt invoices unpaid more than 90 days after issue at the month end.",
        source="Finance system", expected=("50000", "600000"), tolerance_kind=IL,
    ),
    # ---- HR and Organisational Development ----------------------------------------------------
    DemoKpi(
        "HR01", "Working days lost to sickness absence per FTE (rolling 12 months)", "HROD", "O6.2",
        "hr_analyst", "hr_advisor", "days", LOWER, "latest", 1,
        (("reduction", "9.0", "10.0"), ("reduction", "8.5", "9.5"), ("reduction", "8.0", "9.0")),
        "Working days lost to sickness absence in the last 12 months divided by the average full-time "
        "equivalent headcount.",
        source="HR and payroll system", expected=("4", "15"),
    ),
    DemoKpi(
        "HR02", "Staff turnover (rolling 12 months) (%)", "HROD", "O6.2",
        "hr_analyst", "hr_advisor", "percentage", LOWER, "latest", 1,
        (("maintain", "12.0", "15.0"), ("maintain", "12.0", "15.0"), ("reduction", "11.0", "14.0")),
        "Leavers in the last 12 months (voluntary and involuntary, excluding fixed-term contracts "
        "ending) as a percentage of average headcount.",
        source="HR and payroll system", expected=("3", "30"),
    ),
]  # fmt: skip

# Two KPIs switch their tolerance in 2026/27 from an intervention level to a percentage of the
# target: (KPI code, financial year) -> tolerance kind for that year.
TOLERANCE_OVERRIDES: dict[tuple[str, str], str] = {
    ("RB01", "2026/27"): PCT,
    ("FP02", "2026/27"): PCT,
}

# --------------------------------------------------------------------------------------------------
# Contextual outcome measures: no target, only a preferred direction of travel (seed 000)
# --------------------------------------------------------------------------------------------------

# (code, title, unit, preferred direction, decimal places, outcome, source)
CONTEXTUAL_MEASURES: list[tuple[str, str, str, str, int, str, str]] = [
    ("CM01", "Median gross weekly pay of full-time residents (£)", "currency", HIGHER, 2, "O3.2",
     "ONS Annual Survey of Hours and Earnings"),
    ("CM02", "Number of active businesses", "count", HIGHER, 0, "O3.2", "ONS Business Demography"),
    ("CM03", "Healthy life expectancy at birth (years)", "number", HIGHER, 1, "O4.1",
     "OHID Public Health Outcomes Framework"),
    ("CM04", "Residents who feel safe outside after dark (%)", "percentage", HIGHER, 1, "O1.1",
     "Northdale Residents' Survey"),
    ("CM05", "Physically active adults (%)", "percentage", HIGHER, 1, "O4.1",
     "Sport England Active Lives Survey"),
    ("CM06", "Households on the housing register", "count", LOWER, 0, "O2.3", "Choice-based lettings system"),
]  # fmt: skip

# --------------------------------------------------------------------------------------------------
# Actions: Corporate Plan actions, key activities and projects, with milestones
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoAction:
    """``milestones``: (title, due date, completed on or None), ISO dates."""

    code: str
    title: str
    service: str
    outcome: str
    delivery_role: str  # do / enable / influence
    kind: str  # corporate_plan_action / key_activity / project
    owner: str
    start: str
    due: str
    status: str  # not_started / in_progress / on_hold / completed
    milestones: tuple[tuple[str, str, str | None], ...]


ACTIONS: list[DemoAction] = [
    DemoAction("A01", "Roll out weekly food waste collections to every household", "WASTE", "O1.2",
               "do", "project", "hos_waste", "2025-04-01", "2026-10-31", "completed", (
                   ("Vehicles and caddies procured", "2025-10-31", "2025-10-20"),
                   ("Pilot rounds in Northdale town", "2026-03-31", "2026-03-27"),
                   ("District-wide go-live", "2026-10-31", "2026-10-05"))),
    DemoAction("A02", "Fly-tipping hotspot enforcement with CCTV and fixed penalties", "WASTE", "O1.1",
               "do", "corporate_plan_action", "street_scene", "2025-06-01", "2027-03-31", "in_progress", (
                   ("Ten hotspots identified with parish councils", "2025-09-30", "2025-09-12"),
                   ("Deployable cameras installed", "2026-06-30", "2026-07-14"),
                   ("Annual enforcement review to Cabinet", "2027-03-31", None))),
    DemoAction("A03", "Support community litter-pick groups with kit and collection", "WASTE", "O1.1",
               "enable", "key_activity", "waste_ops", "2026-04-01", "2027-03-31", "in_progress", (
                   ("Kit library launched", "2026-06-30", "2026-06-18"),
                   ("25 active groups registered", "2027-03-31", None))),
    DemoAction("A04", "Adopt a new Local Plan to 2045", "PLANNING", "O2.3",
               "do", "corporate_plan_action", "hos_planning", "2025-01-06", "2027-12-31", "in_progress", (
                   ("Regulation 18 consultation", "2025-11-30", "2025-11-28"),
                   ("Regulation 19 publication", "2026-09-30", None),
                   ("Submission for examination", "2027-03-31", None))),
    DemoAction("A05", "Introduce a pre-application advice service for major developments", "PLANNING", "O3.1",
               "do", "key_activity", "dm_manager", "2026-04-01", "2026-12-31", "in_progress", (
                   ("Charging schedule approved", "2026-07-31", "2026-07-22"),
                   ("Service live on the website", "2026-12-31", None))),
    DemoAction("A06", "Work with the county council and landlords to improve private rented homes",
               "ENVHEALTH", "O2.3", "influence", "corporate_plan_action", "hos_envhealth", "2025-04-01",
               "2027-03-31", "in_progress", (
                   ("Landlord forum re-established", "2025-07-31", "2025-07-10"),
                   ("Joint inspection protocol agreed", "2026-12-31", None))),
    DemoAction("A07", "Open a council-owned temporary accommodation scheme (24 units)", "HOUSING", "O2.2",
               "do", "project", "hos_housing", "2025-09-01", "2027-06-30", "in_progress", (
                   ("Site acquired", "2026-03-31", "2026-02-16"),
                   ("Refurbishment contract let", "2026-08-31", "2026-11-02"),
                   ("First households move in", "2027-06-30", None))),
    DemoAction("A08", "Early-help homelessness prevention with registered providers and advice agencies",
               "HOUSING", "O2.1", "enable", "key_activity", "housing_options", "2026-04-01", "2027-03-31",
               "in_progress", (
                   ("Referral protocol signed with three housing associations", "2026-06-30", "2026-06-25"),
                   ("Prevention fund review", "2026-12-31", None))),
    DemoAction("A09", "Replace the Riverside Leisure Centre pool plant with heat pumps", "LEISURE", "O4.1",
               "do", "project", "hos_leisure", "2026-01-05", "2027-03-31", "on_hold", (
                   ("Public Sector Decarbonisation Scheme bid", "2026-03-31", "2026-03-20"),
                   ("Contractor appointed", "2026-09-30", None))),
    DemoAction("A10", "Encourage inactive residents into activity with GP referral partners",
               "LEISURE", "O4.1", "influence", "corporate_plan_action", "leisure_officer",
               "2025-04-01", "2027-03-31", "in_progress", (
                   ("Exercise referral scheme relaunched", "2025-09-30", "2025-10-15"),
                   ("Outcomes report to the Health and Wellbeing Partnership", "2027-03-31", None))),
    DemoAction("A11", "Launch online customer accounts for council tax, benefits and waste",
               "CUSTOMER", "O5.1", "do", "project", "hos_customer", "2026-04-01", "2027-03-31",
               "in_progress", (
                   ("Supplier selected", "2026-06-30", "2026-06-30"),
                   ("Council tax and benefits live", "2026-11-30", None),
                   ("Waste services live", "2027-03-31", None))),
    DemoAction("A12", "Maximise take-up of Council Tax Support and discretionary payments", "REVBEN", "O4.2",
               "enable", "key_activity", "benefits_mgr", "2026-04-01", "2027-03-31", "in_progress", (
                   ("Data-matching campaign with DWP data", "2026-09-30", "2026-09-24"),
                   ("Take-up report to Cabinet", "2027-03-31", None))),
    DemoAction("A13", "Agile working and wellbeing programme to reduce sickness absence", "HROD", "O6.2",
               "do", "corporate_plan_action", "hos_hrod", "2025-04-01", "2026-09-30", "completed", (
                   ("Wellbeing champions trained", "2025-09-30", "2025-09-30"),
                   ("Occupational health contract re-let", "2026-03-31", "2026-03-10"),
                   ("Managers' absence toolkit published", "2026-09-30", "2026-09-01"))),
    DemoAction("A14", "Move supplier payments to e-invoicing and purchase-to-pay", "FINANCE", "O6.3",
               "do", "key_activity", "payments_lead", "2026-07-01", "2027-06-30", "not_started", (
                   ("Business case approved", "2026-12-31", None),
                   ("Top 50 suppliers onboarded", "2027-06-30", None))),
]  # fmt: skip

# --------------------------------------------------------------------------------------------------
# Service plans for 2026/27 (seed 001, Appendix D): draft -> quality_review -> strategic_review ->
# approved -> published
# --------------------------------------------------------------------------------------------------

# (service, status, summary)
SERVICE_PLANS: list[tuple[str, str, str]] = [
    ("WASTE", "published", "Deliver weekly food waste collections district-wide and bring missed bins down."),
    ("PLANNING", "approved", "Keep decisions on time while the Local Plan reaches Regulation 19."),
    ("ENVHEALTH", "published", "Clear the food inspection backlog and improve private rented housing."),
    (
        "HOUSING",
        "strategic_review",
        "Prevent more homelessness earlier and reduce the use of bed and breakfast.",
    ),
    ("LEISURE", "quality_review", "Grow memberships and decarbonise the Riverside pool."),
    ("CUSTOMER", "approved", "Move routine contact online and answer complaints and FOI requests on time."),
    ("REVBEN", "published", "Sustain collection rates and speed up benefit claims."),
    ("FINANCE", "draft", "Pay suppliers promptly and reduce aged sundry debt."),
    ("HROD", "quality_review", "Reduce sickness absence and keep turnover stable."),
]

SERVICE_PLAN_SWOT: dict[str, Any] = {
    "strengths": ["Experienced crews", "New fleet"],
    "weaknesses": ["Ageing in-cab system"],
    "opportunities": ["Simpler Recycling reforms", "Extended Producer Responsibility payments"],
    "threats": ["Driver recruitment", "Fuel prices"],
}


# --------------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------------


def demo_email(name: str) -> str:
    """``Cllr Sarah Pennington`` -> ``sarah.pennington@example.gov.uk``."""
    parts = [p for p in name.replace("'", "").lower().split() if p != "cllr"]
    return ".".join(parts) + "@" + DEMO_EMAIL_DOMAIN


def split_by_weights(total: Decimal, weights: tuple[int, ...], decimal_places: int) -> list[Decimal]:
    """Split ``total`` in proportion to ``weights``, rounded to ``decimal_places``, adding up exactly.

    Each share is rounded down and the leftover steps go to the months with the largest remainders.
    """
    step = Decimal(1).scaleb(-decimal_places)
    whole = sum(weights)
    exact = [total * w / whole for w in weights]
    shares = [e.quantize(step, rounding=ROUND_FLOOR) for e in exact]
    leftover = int((total - sum(shares, Decimal(0))) / step)
    by_remainder = sorted(range(len(weights)), key=lambda i: exact[i] - shares[i], reverse=True)
    for i in by_remainder[:leftover]:
        shares[i] += step
    return shares


def target_profile(kpi: DemoKpi, annual: Decimal) -> list[Decimal] | None:
    """The 12 monthly targets of a KPI for one year, or None when it is not profiled."""
    if kpi.profile is None:
        return None
    if kpi.profile == "collection":
        step = Decimal(1).scaleb(-kpi.decimal_places)
        return [(annual * Decimal(share)).quantize(step, ROUND_HALF_UP) for share in CUMULATIVE_COLLECTION_SHARE]
    return split_by_weights(annual, SEASONAL_WEIGHTS[kpi.profile], kpi.decimal_places)


def intervention_level(kpi: DemoKpi, annual: Decimal, kind: str, tolerance: Decimal) -> Decimal:
    """The level beyond which the KPI is Red: given directly, or a percentage either side of the target."""
    if kind == IL:
        return tolerance
    distance = annual * tolerance / Decimal(100)
    return annual - distance if kpi.polarity == HIGHER else annual + distance


async def find_demo_organisation(session: AsyncSession) -> Organisation | None:
    result = await session.execute(select(Organisation).where(Organisation.code == DEMO_ORGANISATION_CODE))
    return result.scalar_one_or_none()


async def load_demo(session: AsyncSession) -> Organisation:
    """Add Northdale District Council and its framework, flush, and return the organisation.

    Idempotent: when an organisation coded ``NORTHDALE`` exists it is returned unchanged. Does not
    commit. Rows are flushed in two steps because directors, heads of service and portfolio holders
    are people who themselves sit in services.
    """
    existing = await find_demo_organisation(session)
    if existing is not None:
        return existing

    org = Organisation(
        id=uuid.uuid4(),
        code=DEMO_ORGANISATION_CODE,
        name=DEMO_ORGANISATION_NAME,
        financial_year_start_month=4,
        settings={"demo": True},
    )
    await _add(session, [org])
    owned: dict[str, Any] = {"organisation_id": org.id}

    directorates = {code: Directorate(id=uuid.uuid4(), code=code, name=name, **owned) for code, name, _ in DIRECTORATES}
    portfolios = {code: Portfolio(id=uuid.uuid4(), code=code, name=name, **owned) for code, name, _ in PORTFOLIOS}
    services = {
        code: Service(
            id=uuid.uuid4(),
            code=code,
            name=name,
            directorate_id=directorates[directorate].id,
            portfolio_id=portfolios[portfolio].id,
            **owned,
        )
        for code, name, directorate, portfolio, _ in SERVICES
    }
    people = {
        key: Person(
            id=uuid.uuid4(),
            name=name,
            email=demo_email(name),
            job_title=title,
            service_id=services[service].id if service else None,
            **owned,
        )
        for key, name, title, service in PEOPLE
    }
    await _add(session, [*directorates.values(), *portfolios.values()])
    await _add(session, services.values())
    await _add(session, people.values())

    # Now the people exist, point the structure at its directors, holders and heads of service.
    for code, _, director in DIRECTORATES:
        directorates[code].director_id = people[director].id
    for code, _, holder in PORTFOLIOS:
        portfolios[code].holder_id = people[holder].id
    for code, *_, head in SERVICES:
        services[code].head_of_service_id = people[head].id
    heads_of_service = {code: people[head].email for code, *_, head in SERVICES}
    service_managers = {code: people[head] for code, *_, head in SERVICES}

    plan = CorporatePlan(id=uuid.uuid4(), **CORPORATE_PLAN, **owned)
    priorities = {
        code: Priority(id=uuid.uuid4(), corporate_plan_id=plan.id, code=code, title=title, position=i, **owned)
        for i, (code, title) in enumerate(PRIORITIES, start=1)
    }
    outcomes = {
        code: Outcome(
            id=uuid.uuid4(),
            priority_id=priorities[priority].id,
            code=code,
            title=title,
            lgof_outcome=lgof,
            best_value_themes=list(themes),
            **owned,
        )
        for priority, code, title, lgof, themes in OUTCOMES
    }
    await _add(session, [plan])
    await _add(session, priorities.values())
    await _add(session, outcomes.values())

    service_plans = {
        service: ServicePlan(
            id=uuid.uuid4(),
            service_id=services[service].id,
            financial_year=CURRENT_FINANCIAL_YEAR,
            status=status,
            summary=summary,
            resources=f"Revenue budget and establishment as in the {CURRENT_FINANCIAL_YEAR} budget book.",
            swot=SERVICE_PLAN_SWOT if service == "WASTE" else None,
            **owned,
        )
        for service, status, summary in SERVICE_PLANS
    }
    await _add(session, service_plans.values())

    kpis: list[Kpi] = []
    targets: list[Target] = []
    revisions: list[TargetRevision] = []
    for spec in KPIS:
        kpi = Kpi(
            id=uuid.uuid4(),
            code=spec.code,
            title=spec.title,
            definition=spec.definition,
            why_it_matters=spec.why_it_matters,
            unit=spec.unit,
            polarity=spec.polarity,
            frequency=spec.frequency,
            aggregation=spec.aggregation,
            decimal_places=spec.decimal_places,
            statutory=spec.statutory,
            public=spec.code in PUBLIC_KPIS,
            source=spec.source,
            numerator_label=spec.numerator,
            denominator_label=spec.denominator,
            expected_min=Decimal(spec.expected[0]) if spec.expected else None,
            expected_max=Decimal(spec.expected[1]) if spec.expected else None,
            owner_id=people[spec.owner].id,
            backup_owner_id=people[spec.backup].id,
            service_id=services[spec.service].id,
            portfolio_id=services[spec.service].portfolio_id,
            outcome_id=outcomes[spec.outcome].id,
            **owned,
        )
        kpis.append(kpi)
        for year, (target_type, annual_text, tolerance_text) in zip(FINANCIAL_YEARS, spec.targets, strict=True):
            target, revision = _target_rows(spec, kpi, year, target_type, annual_text, tolerance_text, org.id)
            # Proposed by the Head of Service, approved by others (four-eyes).
            target.proposed_by = heads_of_service[spec.service]
            targets.append(target)
            revisions.append(revision)
    await _add(session, kpis)
    await _add(session, targets)
    await _add(session, revisions)
    await _add_templates(session, org.id, kpis, people, service_managers)

    measures = [
        ContextualMeasure(
            id=uuid.uuid4(),
            code=code,
            title=title,
            unit=unit,
            preferred_direction=direction,
            frequency="annual",
            decimal_places=places,
            source=source,
            outcome_id=outcomes[outcome].id,
            **owned,
        )
        for code, title, unit, direction, places, outcome, source in CONTEXTUAL_MEASURES
    ]
    await _add(session, measures)

    actions: list[Action] = []
    for action in ACTIONS:
        due = date.fromisoformat(action.due)
        plan_for_year = service_plans[action.service] if due >= FIRST_DAY_OF_CURRENT_YEAR else None
        actions.append(
            Action(
                id=uuid.uuid4(),
                code=action.code,
                title=action.title,
                kind=action.kind,
                delivery_role=action.delivery_role,
                status=action.status,
                owner_id=people[action.owner].id,
                service_id=services[action.service].id,
                outcome_id=outcomes[action.outcome].id,
                service_plan_id=plan_for_year.id if plan_for_year else None,
                start_date=date.fromisoformat(action.start),
                due_date=due,
                milestones=[
                    {"title": title, "due_date": milestone_due, "completed_on": completed}
                    for title, milestone_due, completed in action.milestones
                ],
                **owned,
            )
        )
    await _add(session, actions)

    # Quarterly updates, risks, scrutiny, contextual values, plan sections and reviews, objectives.
    records = Records(
        organisation_id=org.id,
        people=people,
        directorates=directorates,
        services=services,
        outcomes=outcomes,
        plans=service_plans,
        kpis={kpi.code: kpi for kpi in kpis},
        measures={measure.code: measure for measure in measures},
        actions={action.code: action for action in actions},
    )
    await load_delivery(session, records)
    # Budget monitoring and complaints for the joint finance and performance view (seed 003).
    await load_finance(session, records)
    # Its comparators and the values published for them, so positions show (seed 003).
    await load_benchmarks(session, records)

    # Three years of monthly submissions, queries and publications (see ``demo_history``).
    await load_history(session, org, kpis, targets, revisions, people)
    # The last ended quarter frozen as reported, so its report is there to read (issue 13).
    await freeze_last_quarter(session, org, people[PERFORMANCE_OFFICER])
    return org


# KPIs whose template for the current year is still a draft waiting for the service manager's
# sign-off, so the list of KPIs without a signed template shows something.
DRAFT_TEMPLATES = frozenset({"HN02", "LA02"})


async def _add_templates(
    session: AsyncSession,
    organisation_id: uuid.UUID,
    kpis: list[Kpi],
    people: dict[str, Person],
    service_managers: dict[str, Person],
) -> None:
    """A Data Quality Template (seed 001, Appendix B.2) for each KPI for last year and this, this year's
    started from last year's; signed off by the head of service in March before each year, except
    ``DRAFT_TEMPLATES`` this year. Next year's are still to be written."""
    specs = {spec.code: spec for spec in KPIS}
    last_year, this_year = FINANCIAL_YEARS[-2], CURRENT_FINANCIAL_YEAR
    rows: list[DataQualityTemplate] = []
    for kpi in kpis:
        spec = specs[kpi.code]
        owner, backup, manager = people[spec.owner], people[spec.backup], service_managers[spec.service]
        answers = {
            "statistics_collected_by": f"{owner.name}, {owner.job_title}",
            "forecast_produced_by": f"{owner.name}, agreed with {manager.name}",
            "commentary_provided_by": f"{owner.name}",
            "backup_officers": f"{backup.name}, {backup.job_title}, who has access to the same systems",
            "systems_and_spreadsheets": spec.source or "The service's case management system",
            "collection_and_calculation_method": spec.definition,
            "why_it_matters": spec.why_it_matters or f"A corporate KPI reported to Cabinet: {spec.title}",
            "seasonality": "Yes: see the monthly profile of the target" if spec.profile else "No marked seasonality",
            "amber_factors": "Staff absence and vacancies; a late or incomplete extract from the system",
            "red_factors": "Loss of a contractor or system for more than a month; a change in national rules",
            "interventions_available": "Overtime and agency cover; reprioritising casework; an improvement plan",
            "benchmarking_available": "LG Inform: CIPFA nearest neighbours",
        }
        previous: DataQualityTemplate | None = None
        for year in (last_year, this_year):
            signed = year == last_year or kpi.code not in DRAFT_TEMPLATES
            start = int(year[:4])
            template = DataQualityTemplate(
                id=uuid.uuid4(),
                organisation_id=organisation_id,
                kpi_id=kpi.id,
                financial_year=year,
                version_number=1,
                state="signed" if signed else "draft",
                copied_from_id=previous.id if previous else None,
                **answers,
                declaration=SIGN_OFF_DECLARATION if signed else None,
                signed_by_name=manager.name if signed else None,
                signed_by=manager.email if signed else None,
                signed_on=date(start, 3, 20) if signed else None,
            )
            rows.append(template)
            previous = template
    await _add(session, [t for t in rows if t.copied_from_id is None])
    await _add(session, [t for t in rows if t.copied_from_id is not None])
    # Data quality reviews held with services (seed 001, B.1), rated on seed 003's six characteristics.
    codes = {kpi.id: kpi.code for kpi in kpis}
    reviewed = {(codes[t.kpi_id], t.financial_year): t for t in rows}
    perf = people["perf_officer"].name
    reviews = [
        _review(reviewed[("WS01", this_year)], date(2026, 10, 8), [perf, service_managers["WASTE"].name],
                "Method followed; the backup officer could not open the tonnage workbook.",
                ("good", "good", "adequate", "good", "good", "adequate"),
                [{"action": "Give the backup officer access to the tonnage workbook",
                  "owner": service_managers["WASTE"].name, "due_date": "2026-10-31", "done": True}]),
        _review(reviewed[("HN01", last_year)], date(2025, 11, 12), [perf, service_managers["HOUSING"].name],
                "Placements counted on the night of the last day of the month, as the template says; "
                "the case system's extract was a week late twice.",
                ("good", "good", "good", "poor", "good", "adequate"),
                [{"action": "Schedule the month-end extract", "owner": service_managers["HOUSING"].name,
                  "due_date": "2025-12-31", "done": False}]),
    ]  # fmt: skip
    await _add(session, reviews)


def _review(
    template: DataQualityTemplate,
    reviewed_on: date,
    reviewers: list[str],
    observations: str,
    ratings: tuple[str, str, str, str, str, str],
    actions: list[dict[str, Any]],
) -> DataQualityReview:
    return DataQualityReview(
        id=uuid.uuid4(),
        organisation_id=template.organisation_id,
        kpi_id=template.kpi_id,
        template_id=template.id,
        financial_year=template.financial_year,
        template_version_number=template.version_number,
        reviewed_on=reviewed_on,
        reviewers=reviewers,
        observations=observations,
        follow_up_actions=actions,
        **dict(zip(RATED, ratings, strict=True)),
    )


async def _add(session: AsyncSession, rows: Iterable[Base]) -> None:
    """Add and flush one layer of rows. The models declare foreign keys but no relationships, so the
    session cannot order the inserts itself: each layer only refers to layers flushed before it."""
    session.add_all(rows)
    await session.flush()


def _target_rows(
    spec: DemoKpi,
    kpi: Kpi,
    year: str,
    target_type: str,
    annual_text: str,
    tolerance_text: str,
    organisation_id: uuid.UUID,
) -> tuple[Target, TargetRevision]:
    annual = Decimal(annual_text)
    tolerance = Decimal(tolerance_text)
    kind = TOLERANCE_OVERRIDES.get((spec.code, year), spec.tolerance_kind)
    level = intervention_level(spec, annual, kind, tolerance)
    profile = target_profile(spec, annual)
    values: dict[str, Any] = {
        "annual_target": annual,
        "tolerance_kind": kind,
        "tolerance_value": tolerance,
        "intervention_level": level,
        "profile": None if profile is None else [str(p) for p in profile],
    }
    target = Target(
        id=uuid.uuid4(),
        organisation_id=organisation_id,
        kpi_id=kpi.id,
        financial_year=year,
        target_type=target_type,
        state="approved",
        revision_count=1,
        **values,
    )
    revision = TargetRevision(
        id=uuid.uuid4(),
        target_id=target.id,
        number=1,
        effective_from=f"{year} P1",
        reason="Approved at budget setting (demo data)",
        created_by=CREATED_BY,
        **values,
    )
    return target, revision


# --------------------------------------------------------------------------------------------------
# Demo people for the CLI
# --------------------------------------------------------------------------------------------------


async def demo_people(session: AsyncSession, organisation_id: uuid.UUID) -> dict[str, Person]:
    """The demo council's people, keyed as in ``PEOPLE`` (``"perf_officer"``, ``"hos_waste"``...)."""
    by_email = {demo_email(name): key for key, name, _, _ in PEOPLE}
    result = await session.execute(select(Person).where(Person.organisation_id == organisation_id))
    return {by_email[p.email]: p for p in result.scalars() if p.email in by_email}


async def demo_grant(session: AsyncSession, organisation_id: uuid.UUID, role: Role) -> tuple[Person, Grant]:
    """The demo person who holds ``role`` and the grant (with its scope resolved) to mint a token with."""
    key, scope, scope_code = PERSONAS[role]
    person = (await demo_people(session, organisation_id))[key]
    scope_id: uuid.UUID | None = None
    if scope_code is not None:
        scope_id = await directory.scope_id_of(session, organisation_id, scope, scope_code)
        assert scope_id is not None, f"the demo council has a {scope.value} {scope_code}"
    return person, Grant(role=role, scope=scope, scope_id=scope_id)

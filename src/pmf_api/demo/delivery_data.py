"""Northdale's delivery and assurance records as tables (loaded by ``demo.delivery``); all invented.

Quarterly updates follow seed 001_ec6bae7b38cacc6f.txt ("each action will receive an update, RAG status,
and an impact each quarter"); the registers, their 5x5 scores and review cycles seed
004_d92670c30a2dff9f.txt; scrutiny challenges seeds 000_a1d4643dc9bd64fe.txt and 001; the service plan
sections seed 001, Appendix D.1. Dates sit before the demo's "today" (``history.DEMO_TODAY``).
"""

from __future__ import annotations

from typing import Any

# --- Quarterly action updates for 2026/27: the quarters ended by DEMO_TODAY (Q1 and Q2) ----------------
# (action, quarter, status, progress %, RAG, state, commentary, impact, the performance team's comment)
ACTION_UPDATES: list[tuple[str, int, str, int, str, str, str, str | None, str | None]] = [
    ("A01", 1, "in_progress", 80, "green", "accepted",
     "Pilot rounds in Northdale town are running well; the district-wide rounds are planned and the "
     "caddies are being delivered street by street.", "Pilot households recycle 2.1 kg of food a week.", None),
    ("A01", 2, "in_progress", 92, "green", "accepted",
     "Caddies delivered to every household; go-live is set for 5 October with the new round sheets.",
     "Residual tonnage in the pilot area is down 9% on last year.", None),
    ("A02", 1, "in_progress", 55, "green", "accepted",
     "Camera locations agreed with the parish councils; installation booked for early July.", None, None),
    ("A02", 2, "in_progress", 70, "green", "accepted",
     "Cameras live at all ten hotspots since 14 July; 23 fixed penalties issued this quarter.",
     "Fly-tipping at the hotspots is down by a third since the cameras went up.", None),
    ("A04", 1, "in_progress", 48, "green", "accepted",
     "Evidence base complete; the Regulation 19 draft is with Members for the September Council.", None, None),
    ("A04", 2, "in_progress", 45, "green", "returned",
     "Council agreed to take the Regulation 19 plan in December rather than September.", None,
     "Regulation 19 publication was due on 30 September and has slipped to December: please set the RAG to "
     "Amber (the check suggests it), say what caused the delay and give the new publication date."),
    ("A07", 1, "in_progress", 40, "green", "accepted",
     "Site acquired in February; design team appointed and tender documents out in May.", None, None),
    ("A07", 2, "in_progress", 45, "amber", "accepted",
     "Tenders came in over budget, so the refurbishment contract was re-tendered in two lots and will be let "
     "in early November, two months late.",
     "The first households are still expected to move in by June 2027.", None),
    ("A11", 1, "in_progress", 25, "green", "accepted",
     "Supplier selected on 30 June after a mini-competition on the G-Cloud framework.", None, None),
    ("A11", 2, "in_progress", 48, "green", "accepted",
     "Council tax and benefits accounts are in user testing with 40 residents; on course for November.",
     None, None),
    ("A12", 1, "in_progress", 25, "green", "accepted",
     "Data-sharing agreement with the DWP signed; the matching run is scheduled for September.", None, None),
    ("A12", 2, "in_progress", 55, "green", "accepted",
     "The data-matching campaign wrote to 1,140 households who may be entitled to Council Tax Support.",
     "312 new claims so far, worth about £240,000 a year to residents.", None),
]  # fmt: skip

# --- Risk registers ----------------------------------------------------------------------------------
# Scores are (likelihood, impact) on the default 5x5 matrix. "initial" is the residual score when the
# risk was first assessed; each review (date, likelihood, impact, commentary, reviewer) moves it.
RISKS: list[dict[str, Any]] = [
    {
        "code": "SR-01", "title": "Funding gap in the medium-term financial strategy", "register": "strategic",
        "directorate": "RESOURCES", "owner": "dir_resources", "category": "Financial",
        "cause": "the Fair Funding Review and rising demand for temporary accommodation",
        "event": "the council cannot set a balanced budget for 2027/28 without using reserves",
        "effect": "cuts to discretionary services and a Section 114 risk if reserves run low",
        "inherent": (5, 5), "initial": (4, 5), "target_score": 10, "identified_on": "2025-02-18",
        "controls": ["Medium-term financial strategy refreshed every budget round",
                     "Monthly budget monitoring to the Corporate Leadership Team",
                     "General reserve held at no less than £2.5m"],
        "mitigations": [("Savings from moving supplier payments to e-invoicing", "A14"),
                        ("Maximise Council Tax Support take-up so collection holds up", "A12")],
        "outcomes": ("O6.1", "O6.3"), "kpis": ("RB03", "FP02"),
        "reviews": [
            ("2026-06-09", 4, 5, "The settlement confirms a multi-year reduction; no change.", "dir_resources"),
            ("2026-08-04", 4, 4, "Savings plan for 2027/28 identified £1.1m; impact reduced.", "dir_resources"),
            ("2026-09-29", 4, 4, "Gap now £1.9m after the savings plan; unchanged.", "dir_resources"),
        ],
    },
    {
        "code": "SR-02", "title": "Recruitment and retention of key professional staff", "register": "strategic",
        "directorate": "RESOURCES", "owner": "chief_exec", "category": "People",
        "cause": "neighbouring councils and the private sector paying more for planners, EHOs and HGV drivers",
        "event": "vacancies in key posts stay unfilled for months",
        "effect": "statutory services miss their deadlines and agency costs rise",
        "inherent": (4, 4), "initial": (4, 3), "target_score": 6, "identified_on": "2025-04-08",
        "controls": ["Market supplements for hard-to-fill posts", "Apprenticeship and graduate schemes"],
        "mitigations": [("Agile working and wellbeing programme", "A13"),
                        ("Pay and grading review reporting in March 2027", None)],
        "outcomes": ("O6.2",), "kpis": ("HR01", "HR02"),
        "reviews": [
            ("2026-08-04", 3, 3, "Two planning vacancies filled by agency staff; likelihood reduced.", "chief_exec"),
            ("2026-09-29", 3, 3, "Turnover stable at 11%; no change.", "chief_exec"),
        ],
    },
    {
        "code": "SR-03", "title": "Rising homelessness and the cost of temporary accommodation",
        "register": "strategic", "service": "HOUSING", "owner": "hos_housing", "category": "Service delivery",
        "cause": "evictions from the private rented sector and too few affordable lets",
        "event": "more households are placed in bed and breakfast for longer",
        "effect": "an overspend on temporary accommodation and a breach of the six-week Suitability Order limit",
        "inherent": (4, 5), "initial": (3, 4), "target_score": 8, "identified_on": "2025-10-01",
        "controls": ["Weekly placement panel", "Landlord incentive scheme"],
        "mitigations": [("Open the council-owned temporary accommodation scheme", "A07"),
                        ("Early-help prevention with registered providers", "A08")],
        "outcomes": ("O2.1", "O2.2"), "kpis": ("HN01", "HN03"), "plans": ("HOUSING",), "actions": ("A07",),
        "reviews": [
            ("2026-04-14", 4, 4, "Placements up 20% on last year; likelihood raised.", "hos_housing"),
            ("2026-07-14", 4, 4, "No improvement; the scheme's contract is late.", "hos_housing"),
            ("2026-10-20", 4, 4, "Reviewed by the Corporate Leadership Team after escalation.", "dir_communities"),
        ],
        "escalated": {"on": "2026-09-15", "by": "dir_communities",
                      "reason": "Red for six months and the overspend now affects the council's budget."},
    },
    {
        "code": "OR-WS-01", "title": "Shortage of HGV drivers disrupts collection rounds", "register": "operational",
        "service": "WASTE", "owner": "waste_ops", "category": "Operational",
        "cause": "a national shortage of HGV drivers and agency rates above ours",
        "event": "rounds are not completed on the scheduled day",
        "effect": "missed bins, complaints and a fall in recycling",
        "inherent": (4, 4), "initial": (3, 3), "identified_on": "2025-11-04",
        "controls": ["Agency driver framework", "Loader-to-driver training academy"],
        "mitigations": [("Weekly food waste rounds redesigned with spare capacity", "A01")],
        "outcomes": ("O1.2",), "kpis": ("WS03", "WS04"), "plans": ("WASTE",),
        "reviews": [
            ("2026-06-09", 3, 3, "Two trainees passed their test; no change.", "waste_ops"),
            ("2026-10-13", 4, 3, "Food waste go-live stretched crews and missed bins rose in October.", "hos_waste"),
        ],
    },
    {
        "code": "OR-PL-01", "title": "Local Plan found unsound or delayed at examination",
        "register": "operational", "service": "PLANNING", "owner": "hos_planning", "category": "Legal and regulatory",
        "cause": "changes to national planning policy and the housing need figure",
        "event": "the Local Plan is delayed or found unsound",
        "effect": "speculative applications decided on appeal and the five-year land supply at risk",
        "inherent": (4, 5), "initial": (3, 4), "identified_on": "2025-01-20",
        "controls": ["Programme board chaired by the Director of Place", "Counsel's advice at each stage"],
        "mitigations": [("Adopt a new Local Plan to 2045", "A04")],
        "outcomes": ("O2.3", "O3.1"), "kpis": ("PL02",), "plans": ("PLANNING",), "actions": ("A04",),
        "reviews": [
            ("2026-04-21", 3, 4, "Regulation 19 on track for September.", "hos_planning"),
            ("2026-07-14", 4, 4, "Regulation 19 moved to December; likelihood raised.", "hos_planning"),
        ],
    },
    {
        "code": "OR-EH-01", "title": "Food inspection backlog builds up again", "register": "operational",
        "service": "ENVHEALTH", "owner": "food_lead", "category": "Legal and regulatory",
        "cause": "an inspector vacancy and new food businesses opening",
        "event": "planned food hygiene inspections are not done when due",
        "effect": "the Food Standards Agency intervenes and unsafe premises go unchecked",
        "inherent": (4, 3), "initial": (3, 3), "identified_on": "2025-05-12",
        "controls": ["Contractor for low-risk inspections", "Risk-based inspection programme"],
        "mitigations": [("Contractor clearing the backlog of low-risk inspections", None)],
        "outcomes": ("O1.3",), "kpis": ("EH01", "EH02"),
        "reviews": [("2026-09-08", 2, 3, "Backlog cleared by the contractor; likelihood reduced.", "hos_envhealth")],
    },
    {
        "code": "OR-CS-01", "title": "Online customer accounts miss their go-live", "register": "operational",
        "service": "CUSTOMER", "owner": "hos_customer", "category": "Project",
        "cause": "the supplier's integration with the revenues system",
        "event": "council tax and benefits accounts do not go live in November",
        "effect": "call volumes stay high and the contact centre misses its answer rate",
        "inherent": (3, 4), "initial": (3, 3), "identified_on": "2026-05-05",
        "controls": ["Fortnightly supplier meetings", "User testing with residents"],
        "mitigations": [("Launch online customer accounts", "A11")],
        "outcomes": ("O5.1",), "kpis": ("CS01", "CS02"), "actions": ("A11",),
        "reviews": [("2026-08-18", 2, 3, "Integration tested successfully; likelihood reduced.", "hos_customer")],
    },
    {
        "code": "OR-RB-01", "title": "Backlog of benefit claims after DWP changes", "register": "operational",
        "service": "REVBEN", "owner": "benefits_mgr", "category": "Operational",
        "cause": "the end of cost of living payments and a surge in DWP change notices",
        "event": "new claims wait longer than 20 days",
        "effect": "residents fall into arrears and complaints rise",
        "inherent": (4, 3), "initial": (3, 3), "identified_on": "2026-04-14",
        "controls": ["Saturday overtime", "Automation of DWP change notices"],
        "mitigations": [("Maximise take-up of Council Tax Support", "A12")],
        "outcomes": ("O4.2",), "kpis": ("RB01", "RB02"),
        "reviews": [("2026-10-06", 3, 3, "Backlog steady at about 400 items; no change.", "hos_revben")],
    },
    {
        "code": "OR-LA-01", "title": "Riverside pool plant fails before its replacement", "register": "operational",
        "service": "LEISURE", "owner": "leisure_ops", "category": "Asset",
        "cause": "the pool's gas boilers and pumps are past their design life",
        "event": "the plant fails and the pool closes",
        "effect": "lost income and memberships, and fewer residents active",
        "inherent": (4, 4), "initial": (3, 4), "identified_on": "2026-09-01",
        "controls": ["Planned maintenance contract", "Spare pump held on site"],
        "mitigations": [("Replace the pool plant with heat pumps", "A09")],
        "outcomes": ("O4.1",), "kpis": ("LA01",), "actions": ("A09",), "reviews": [],
    },
]  # fmt: skip

# --- Scrutiny challenges from the Overview and Scrutiny Committee --------------------------------------
# questions: (text, assigned to, due on, answer or None); answer: {"on", "text", "accepted": {"on", "comment"}}
CHALLENGES: list[dict[str, Any]] = [
    {
        "kind": "question", "title": "Minor planning applications decided late", "subject": ("kpi", "PL02"),
        "meeting": "Overview and Scrutiny Committee, 8 October 2026", "meeting_date": "2026-10-08",
        "raised_on": "2026-10-09",
        "questions": [
            ("Minor applications have been Red for two months. What is the recovery plan and when will the "
             "service be back on target?", "hos_planning", "2026-10-30",
             {"on": "2026-10-27",
              "text": "An agency planner started on 2 November and older cases are triaged with extensions of "
                      "time. We expect to be back within tolerance by the January figures.",
              "accepted": {"on": "2026-11-05",
                           "comment": "Accepted; the committee will look at the January figures in March."}}),
        ],
    },
    {
        "kind": "task_and_finish", "title": "Temporary accommodation and the use of bed and breakfast",
        "subject": ("kpi", "HN01"), "meeting": "Temporary accommodation task and finish group, 3 November 2026",
        "meeting_date": "2026-11-03", "raised_on": "2026-11-04",
        "questions": [
            ("What has the council spent on bed and breakfast so far in 2026/27, and how does it compare with "
             "last year?", "hos_housing", "2026-11-18",
             {"on": "2026-11-16",
              "text": "£412,000 to the end of October against £298,000 at the same point last year.",
              "accepted": {"on": "2026-11-20", "comment": "Accepted; the group asked for the monthly figures."}}),
            ("How many households did early-help referrals prevent from becoming homeless, and which partners "
             "referred them?", "housing_options", "2026-12-04", None),
        ],
    },
]  # fmt: skip

# --- Contextual measure values: (period, value, published on), the source is the measure's -------------
CONTEXTUAL_VALUES: dict[str, list[tuple[str, str, str]]] = {
    "CM01": [("2021/22", "598.40", "2022-10-26"), ("2022/23", "631.90", "2023-11-01"),
             ("2023/24", "668.20", "2024-10-30"), ("2024/25", "689.50", "2025-10-29")],
    "CM02": [("2021/22", "4385", "2022-11-17"), ("2022/23", "4410", "2023-11-21"),
             ("2023/24", "4370", "2024-11-19"), ("2024/25", "4345", "2025-11-18")],
    "CM03": [("2021/22", "63.4", "2023-03-08"), ("2022/23", "62.9", "2024-03-06"),
             ("2023/24", "62.5", "2025-03-05")],
    "CM04": [("2022/23", "71.0", "2023-06-14"), ("2023/24", "73.5", "2024-06-12"),
             ("2024/25", "74.2", "2025-06-11"), ("2025/26", "76.8", "2026-06-10")],
    "CM05": [("2022/23", "62.1", "2023-04-20"), ("2023/24", "63.0", "2024-04-25"),
             ("2024/25", "64.4", "2025-04-24")],
    "CM06": [("2022/23", "2140", "2023-04-28"), ("2023/24", "2395", "2024-04-26"),
             ("2024/25", "2610", "2025-04-25"), ("2025/26", "2580", "2026-04-24")],
}  # fmt: skip

# --- Individual objectives for 2026/27 --------------------------------------------------------------
# (person, line manager, ("action" | "outcome", code), title, success measure, mid-year review or None)
OBJECTIVES: list[tuple[Any, ...]] = [
    ("waste_officer", "hos_waste", ("action", "A01"), "Report food waste tonnages every month from go-live",
     "Tonnages reconciled with the reprocessor by the 10th working day",
     ("on_track", "Tonnage reports in on time since October; reconciliation process documented.", "2026-10-14")),
    ("dm_manager", "hos_planning", ("action", "A05"), "Launch the pre-application advice service",
     "Service live on the website by December with its first ten bookings", None),
    ("ta_officer", "hos_housing", ("outcome", "O2.2"), "Move families out of bed and breakfast within six weeks",
     "No family in bed and breakfast longer than six weeks at any month end", None),
    ("contact_centre", "hos_customer", ("action", "A11"), "Prepare the contact centre for online accounts",
     "Every adviser trained to help residents register before go-live", None),
    ("hr_analyst", "hos_hrod", ("outcome", "O6.2"), "Give managers a monthly absence dashboard",
     "Dashboard published by the fifth working day of each month", None),
]  # fmt: skip

# --- Service plan sections (seed 001, Appendix D.1, step 3) and review history ---------------------------


def _core(purpose: str, services: list[str], customers: list[str], duties: list[str], partners: list[str]) -> Any:
    return {"purpose": purpose, "services": services, "customers": customers, "statutory_duties": duties,
            "partners": partners}  # fmt: skip


PLAN_SECTIONS: dict[str, dict[str, Any]] = {
    "WASTE": {"core_information": _core(
        "Keep Northdale clean and collect and recycle its household waste.",
        ["Household waste, recycling and food waste collections", "Street cleansing", "Fly-tipping enforcement"],
        ["Every household", "Parish councils"], ["Environmental Protection Act 1990, section 45"],
        ["County council (waste disposal authority)", "Reprocessors"]),
        "risks": "OR-WS-01 HGV driver shortage (Amber); the food waste roll-out's new rounds."},
    "PLANNING": {"core_information": _core(
        "Decide planning applications on time and plan for growth.",
        ["Development management", "Planning policy", "Enforcement"], ["Applicants and agents", "Residents"],
        ["Town and Country Planning Act 1990", "Planning and Compulsory Purchase Act 2004"],
        ["County council", "Statutory consultees"]),
        "swot": {"strengths": ["Experienced policy team"], "weaknesses": ["Two officer vacancies"],
                 "opportunities": ["Pre-application charging"], "threats": ["Changes to national policy"]},
        "risks": "OR-PL-01 Local Plan delayed at examination (Red); officer vacancies."},
    "ENVHEALTH": {"core_information": _core(
        "Protect residents from unsafe food and environmental harm.",
        ["Food safety", "Licensing", "Private sector housing"], ["Residents", "Food businesses", "Landlords"],
        ["Food Safety Act 1990", "Housing Act 2004", "Licensing Act 2003"], ["Food Standards Agency"]),
        "risks": "OR-EH-01 Food inspection backlog (Amber)."},
    "HOUSING": {"core_information": _core(
        "Prevent homelessness and house those who become homeless.",
        ["Housing advice", "Homelessness prevention", "Temporary accommodation", "Housing register"],
        ["Households at risk of homelessness"], ["Housing Act 1996, Part 7", "Homelessness Reduction Act 2017"],
        ["Registered providers", "Advice agencies"]),
        "swot": {"strengths": ["Early-help referral protocol"], "weaknesses": ["Reliance on bed and breakfast"],
                 "opportunities": ["Council-owned scheme"], "threats": ["Private rented evictions"]},
        "risks": "SR-03 Rising homelessness and temporary accommodation costs (Red, escalated)."},
    "LEISURE": {"core_information": _core(
        "Help residents be active through the council's leisure centres and partners.",
        ["Two leisure centres", "Exercise referral", "Community sport"], ["Residents", "GP referral partners"],
        [], ["Sport England", "NHS primary care"]),
        "risks": "OR-LA-01 Riverside pool plant failure (Amber)."},
    "CUSTOMER": {"core_information": _core(
        "Help residents reach the council easily and answer complaints and information requests on time.",
        ["Contact centre", "Complaints", "FOI and data protection requests"], ["Residents", "Businesses"],
        ["Freedom of Information Act 2000", "UK GDPR"], ["Local Government and Social Care Ombudsman"]),
        "risks": "OR-CS-01 Online accounts miss their go-live (Amber)."},
    "REVBEN": {"core_information": _core(
        "Collect council tax and business rates and pay benefits promptly and accurately.",
        ["Council tax", "Business rates", "Housing Benefit", "Council Tax Support"],
        ["Council tax payers", "Ratepayers", "Claimants"], ["Local Government Finance Act 1992"], ["DWP"]),
        "risks": "OR-RB-01 Benefit claims backlog (Amber)."},
    "FINANCE": {"core_information": _core(
        "Manage the council's money and pay suppliers promptly.",
        ["Accountancy", "Exchequer", "Procurement"], ["Services", "Suppliers"],
        ["Local Government Act 1972, section 151"], ["External audit"]),
        "risks": "SR-01 Funding gap in the medium-term financial strategy (Red)."},
    "HROD": {"core_information": _core(
        "Recruit, develop and look after the council's staff.",
        ["HR advice", "Payroll", "Learning and development"], ["Managers", "Staff"],
        ["Employment law"], ["Occupational health provider"]),
        "risks": "SR-02 Recruitment and retention of key staff (Amber)."},
}  # fmt: skip

_SUBMIT = ("submission", "submitted", "draft", "quality_review")
_PASS = ("quality_review", "passed", "quality_review", "strategic_review")
_APPROVE = ("strategic_review", "approved", "strategic_review", "approved")
_PUBLISH = ("publication", "published", "approved", "published")
_SENT_BACK = ("quality_review", "sent_back", "quality_review", "draft")

# (step, decision, from, to, reviewer, date, comment), oldest first, ending in the plan's state
PLAN_REVIEWS: dict[str, list[tuple[Any, ...]]] = {
    "WASTE": [(*_SUBMIT, "hos_waste", "2026-02-06", None), (*_PASS, "perf_officer", "2026-02-13", None),
              (*_APPROVE, "chief_exec", "2026-03-10", None), (*_PUBLISH, "perf_manager", "2026-04-02", None)],
    "PLANNING": [(*_SUBMIT, "hos_planning", "2026-02-09", None), (*_PASS, "perf_officer", "2026-02-16", None),
                 (*_APPROVE, "chief_exec", "2026-03-10", "Approved; publish once the Local Plan dates are set.")],
    "ENVHEALTH": [(*_SUBMIT, "hos_envhealth", "2026-02-05", None), (*_PASS, "perf_officer", "2026-02-12", None),
                  (*_APPROVE, "chief_exec", "2026-03-10", None), (*_PUBLISH, "perf_manager", "2026-04-02", None)],
    "HOUSING": [(*_SUBMIT, "hos_housing", "2026-02-10", None),
                (*_SENT_BACK, "perf_officer", "2026-02-17",
                 "Please link the temporary accommodation project to its outcome and add the B&B risk."),
                (*_SUBMIT, "hos_housing", "2026-03-02", None), (*_PASS, "perf_officer", "2026-03-06", None)],
    "LEISURE": [(*_SUBMIT, "hos_leisure", "2026-03-16", None)],
    "CUSTOMER": [(*_SUBMIT, "hos_customer", "2026-02-11", None), (*_PASS, "perf_officer", "2026-02-18", None),
                 (*_APPROVE, "chief_exec", "2026-03-10", None)],
    "REVBEN": [(*_SUBMIT, "hos_revben", "2026-02-04", None), (*_PASS, "perf_officer", "2026-02-11", None),
               (*_APPROVE, "chief_exec", "2026-03-10", None), (*_PUBLISH, "perf_manager", "2026-04-02", None)],
    "FINANCE": [],
    "HROD": [(*_SUBMIT, "hos_hrod", "2026-03-20", None)],
}  # fmt: skip

"""Calculated KPIs: setting a KPI's formula over other KPIs (issue 11, section 3). The values follow
their inputs through ``pmf_api.performance.submissions.calculated``."""

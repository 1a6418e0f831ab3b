"""Benchmark: evaluate every rule for a whole synthetic council in one process.

300 KPIs x 36 months of seeded, seasonal history; for the latest month each KPI gets RAG, YTD,
direction of travel, forecast, SPC, escalation, sense-checks and the highlights/exceptions class.

Run: ``.venv/bin/python bench/bench_domain.py`` (prints the best of several repeats).
"""

from __future__ import annotations

import math
import random
import time
from datetime import date
from decimal import Decimal

from pmf_api.domain import (
    Aggregation,
    FinancialYear,
    KpiDefinition,
    KpiTarget,
    Observation,
    Period,
    Polarity,
    Tolerance,
    ToleranceKind,
    Unit,
    evaluate_kpi,
)

KPI_COUNT = 300
MONTHS = 36
REPEATS = 7
LATEST = Period.month(FinancialYear(2025), 12)


def build_council(
    seed: int = 2025,
) -> list[tuple[KpiDefinition, list[Observation], dict[FinancialYear, KpiTarget]]]:
    rng = random.Random(seed)
    council = []
    first = LATEST.shift(-(MONTHS - 1))
    for number in range(KPI_COUNT):
        kind = number % 4
        polarity = Polarity.LOWER_IS_BETTER if number % 3 == 0 else Polarity.HIGHER_IS_BETTER
        aggregation = (Aggregation.SUM, Aggregation.AVERAGE, Aggregation.LATEST, Aggregation.RATIO)[kind]
        unit = Unit.PERCENTAGE if aggregation is Aggregation.RATIO else Unit.COUNT
        definition = KpiDefinition(
            code=f"KPI{number:03d}",
            polarity=polarity,
            unit=unit,
            aggregation=aggregation,
            decimal_places=1 if unit is Unit.PERCENTAGE else 0,
        )
        level = rng.uniform(50, 500)
        amplitude = rng.uniform(0.05, 0.3)
        drift = rng.uniform(-0.01, 0.01)
        observations = []
        for step in range(MONTHS):
            period = first.shift(step)
            season = 1 + amplitude * math.sin(2 * math.pi * (period.index - 1) / 12)
            raw = level * season * (1 + drift * step) * rng.gauss(1, 0.05)
            if aggregation is Aggregation.RATIO:
                denominator = Decimal(int(raw) + 20)
                numerator = Decimal(int(denominator * Decimal(str(rng.uniform(0.75, 0.98)))))
                observations.append(
                    Observation(
                        period,
                        numerator=numerator,
                        denominator=denominator,
                        comment="Steady month.",
                        owner_forecast=Decimal("88.0"),
                    )
                )
            else:
                observations.append(
                    Observation(
                        period,
                        value=Decimal(round(raw)),
                        comment="Steady month with usual demand.",
                        owner_forecast=Decimal(round(raw * (12 if aggregation is Aggregation.SUM else 1))),
                    )
                )
        targets = {}
        for year in (2023, 2024, 2025):
            if aggregation is Aggregation.RATIO:
                annual = Decimal("90.0")
                tolerance = Tolerance(ToleranceKind.ABSOLUTE, Decimal(5))
            else:
                annual = Decimal(round(level * (12 if aggregation is Aggregation.SUM else 1)))
                tolerance = Tolerance(ToleranceKind.PERCENTAGE, Decimal(10))
            targets[FinancialYear(year)] = KpiTarget(annual, tolerance)
        council.append((definition, observations, targets))
    return council


def run(council: list[tuple[KpiDefinition, list[Observation], dict[FinancialYear, KpiTarget]]]) -> int:
    as_of = date(2026, 4, 20)
    for definition, observations, targets in council:
        evaluate_kpi(definition, observations, targets, LATEST, as_of)
    return len(council)


def main() -> None:
    council = build_council()
    timings = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        count = run(council)
        timings.append(time.perf_counter() - started)
    best = min(timings)
    print(f"{count} KPIs x {MONTHS} months, latest month {LATEST}: best of {REPEATS} = {best * 1000:.1f} ms")
    print(f"{count / best:,.0f} KPI evaluations per second (median {sorted(timings)[REPEATS // 2] * 1000:.1f} ms)")


if __name__ == "__main__":
    main()

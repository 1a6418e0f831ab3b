"""Benchmark: evaluate every rule for a whole synthetic council in one process.

300 KPIs x 36 months of seeded, seasonal history; for the latest month each KPI gets RAG, YTD,
direction of travel, forecast, SPC, escalation, sense-checks and the highlights/exceptions class.

Run: ``.venv/bin/python bench/bench_domain.py`` (prints the best of several repeats). The machine is
shared, so the figure is CPU time (``time.process_time``), not wall-clock time.

Compare with another copy of the package side by side:
``.venv/bin/python bench/bench_domain.py --baseline /tmp/pmf_baseline`` where ``/tmp/pmf_baseline``
holds ``pmf_api/__init__.py`` and ``pmf_api/domain/``. Each version runs in its own subprocess, in
alternating rounds; the script prints both best times, the ratio, and whether both versions gave
identical results (a digest of every evaluation's ``repr``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import subprocess
import sys
import time
from datetime import timedelta
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
AFTER_PERIOD_END = timedelta(days=20)
"""The evaluation date: 20 days after the latest month ends (2026-04-20 for P12), so it is due."""

Council = list[tuple[KpiDefinition, list[Observation], dict[FinancialYear, KpiTarget]]]


def build_council(seed: int = 2025, latest: Period = LATEST) -> Council:
    rng = random.Random(seed)
    council = []
    first = latest.shift(-(MONTHS - 1))
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


def run(council: Council, latest: Period = LATEST) -> int:
    as_of = latest.end_date() + AFTER_PERIOD_END
    for definition, observations, targets in council:
        evaluate_kpi(definition, observations, targets, latest, as_of)
    return len(council)


def digest(council: Council, latest: Period) -> str:
    """A fingerprint of every result, so two versions of the package can be shown to agree exactly."""
    hasher = hashlib.sha256()
    as_of = latest.end_date() + AFTER_PERIOD_END
    for definition, observations, targets in council:
        hasher.update(repr(evaluate_kpi(definition, observations, targets, latest, as_of)).encode())
    return hasher.hexdigest()


def measure(council: Council, repeats: int, latest: Period = LATEST) -> list[float]:
    """CPU seconds of each repeat (process time, so other work on a shared machine counts less)."""
    timings = []
    for _ in range(repeats):
        started = time.process_time()
        run(council, latest)
        timings.append(time.process_time() - started)
    return timings


def _child(repeats: int, latest: Period) -> None:
    import pmf_api.domain

    council = build_council(latest=latest)
    timings = measure(council, repeats, latest)
    print(
        json.dumps(
            {
                "package": os.path.dirname(pmf_api.domain.__file__),
                "best": min(timings),
                "median": sorted(timings)[len(timings) // 2],
                "digest": digest(council, latest),
            }
        )
    )


def _run_child(pythonpath: str | None, repeats: int, month: int) -> dict[str, object]:
    environment = dict(os.environ)
    if pythonpath is not None:
        environment["PYTHONPATH"] = os.pathsep.join(filter(None, [pythonpath, environment.get("PYTHONPATH")]))
    output = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--child", "--repeats", str(repeats), "--month", str(month)],
        env=environment,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, object] = json.loads(output)
    return result


def compare(baseline: str, rounds: int, repeats: int, month: int) -> None:
    best: dict[str, float] = {}
    digests: dict[str, object] = {}
    packages: dict[str, object] = {}
    for _ in range(rounds):
        for name, pythonpath in (("baseline", baseline), ("current", None)):
            result = _run_child(pythonpath, repeats, month)
            seconds = float(str(result["best"]))
            best[name] = min(best.get(name, math.inf), seconds)
            digests[name], packages[name] = result["digest"], result["package"]
    for name in ("baseline", "current"):
        print(f"{name:>8}: {best[name] * 1000:7.1f} ms CPU for {KPI_COUNT} KPIs  ({packages[name]})")
    print(f"speed-up: {best['baseline'] / best['current']:.2f}x (best of {rounds} rounds x {repeats} repeats)")
    same = digests["baseline"] == digests["current"]
    print(f"results identical: {'yes' if same else 'NO'}")
    if not same:
        sys.exit(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", help="directory holding another pmf_api package to compare against")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds when comparing")
    parser.add_argument("--repeats", type=int, default=REPEATS)
    parser.add_argument("--month", type=int, default=LATEST.index, help="the month evaluated (1-12 of 2025/26)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    latest = Period.month(FinancialYear(2025), arguments.month)
    if arguments.child:
        _child(arguments.repeats, latest)
        return
    if arguments.baseline:
        compare(arguments.baseline, arguments.rounds, arguments.repeats, arguments.month)
        return
    council = build_council(latest=latest)
    timings = measure(council, arguments.repeats, latest)
    best = min(timings)
    print(
        f"{KPI_COUNT} KPIs x {MONTHS} months, latest month {latest}: "
        f"best of {arguments.repeats} = {best * 1000:.1f} ms CPU"
    )
    median = sorted(timings)[len(timings) // 2]
    print(f"{KPI_COUNT / best:,.0f} KPI evaluations per second (median {median * 1000:.1f} ms)")


if __name__ == "__main__":
    main()

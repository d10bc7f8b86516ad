"""Benchmark: re-rating one target over 12 quarters at national scale.

    .venv/bin/python bench/bench_rerating.py [--runs 3] [--no-docs] [--databases DIR]

On the national data of the dashboards benchmark (bench/nationaldata.py: 9 regions, 459
authorities, 12 quarters of returns of every target set; built here, or reused from
``bench_dashboards.py --keep DIR`` with ``--databases DIR``), an administrator changes the
amber margin of the stretch target on invoices paid in 30 days (at least 95%; every county,
unitary and district council and the national parks: 414 authorities, 12 quarters) from the
partnership's default, 10% of the target, to 5%, through ``returns.rerating.change_target_rule``,
as the rule page does: in one transaction, the target is validated and saved, every line of
the target in every return is rated again by the engine, the changed lines are written with a
history row each and recorded with their before and after (``Rerating``, ``ReratingLine``),
and the target's stored overall ratings are refreshed in every quarter and region.

Timed, as the median of ``--runs`` runs, each on a fresh copy of the database:

* the re-rating (``change_target_rule``), with its queries, and the part of it spent
  refreshing the stored overall ratings (108 quarter × region slices);
* the baseline: the pure rating engine alone (``targets.rating.computed_rating``) rating the
  same lines by the new rule, their values already in memory: what re-rating costs at the
  least, before anything is read, written or recorded.

It writes (or replaces) the section "Re-rating a target at national scale" of
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import bench_dashboards as dashboards_bench  # noqa: E402 - after the path
from bench.benchdocs import write_section  # noqa: E402

SECTION = "## Re-rating a target at national scale"
TARGET = "st-invoices-paid-30-days"
CHANGE = {"amber_margin": Decimal(5)}  # from the default, 10% of the target
REASON = "Benchmark: the partnership narrows the amber margin to 5% of the target."


def _admin():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_superuser("bench-admin", email="", password=None)


def _engine_alone(target_code: str) -> tuple[float, float, int]:
    """The lines' values read (not timed), then rated by the engine alone with the new rule:
    (wall seconds, CPU seconds, lines)."""
    from returns.models import ReturnLine
    from returns.rating import line_input
    from targets.models import Target, rating_rule
    from targets.rating import computed_rating

    target = (
        Target.objects.select_related("measure")
        .prefetch_related("measure__levels")
        .get(code=target_code)
    )
    for name, value in CHANGE.items():
        setattr(target, name, value)
    rule = rating_rule(target)
    rows = list(
        ReturnLine.objects.filter(target=target)
        .order_by()
        .values("actual", "target_value", "state", "manual_rating", "scope")
    )
    inputs = [line_input(row) for row in rows]
    wall, cpu = time.perf_counter(), time.process_time()
    for line in inputs:
        computed_rating(rule, line)
    return time.perf_counter() - wall, time.process_time() - cpu, len(rows)


def _rerate(target_code: str) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from returns import rerating
    from targets.models import Target

    actor = _admin()
    target = Target.objects.get(code=target_code)
    spent = {"refresh": 0.0, "slices": 0}
    refresh = rerating.refresh

    def timed_refresh(**kwargs):
        start = time.perf_counter()
        try:
            return refresh(**kwargs)
        finally:
            spent["refresh"] += time.perf_counter() - start
            spent["slices"] += 1

    rerating.refresh = timed_refresh
    try:
        with CaptureQueriesContext(connection) as captured:
            wall, cpu = time.perf_counter(), time.process_time()
            record = rerating.change_target_rule(
                target=target, values=CHANGE, actor=actor, reason=REASON
            )
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    finally:
        rerating.refresh = refresh
    return {
        "wall": wall,
        "cpu": cpu,
        "queries": len(captured.captured_queries),
        "rated": record.lines_rated,
        "changed": record.lines_changed,
        "refresh": spent["refresh"],
        "slices": spent["slices"],
        "history": record.pk,
    }


def run(*, runs: int = 3, write_docs: bool = True, reuse: Path | None = None) -> dict:
    from django.db import connections

    workdir = Path(tempfile.mkdtemp(prefix="riep-bench-rerate-"))
    pristine, database = workdir / "pristine.sqlite3", workdir / "national.sqlite3"
    try:
        if reuse is not None:
            shutil.copyfile(reuse / "national.sqlite3", pristine)
            data = json.loads((reuse / "built.json").read_text())[0]
            dashboards_bench._setup_django(pristine)
        else:
            dashboards_bench._setup_django(pristine)
            data = dashboards_bench._build(pristine, dashboards_bench.NATIONAL)
            connections.close_all()
        results = []
        for number in range(runs):
            connections.close_all()
            shutil.copyfile(pristine, database)
            dashboards_bench._use_database(database)
            engine_wall, engine_cpu, lines = _engine_alone(TARGET)
            result = _rerate(TARGET)
            if result["rated"] != lines or not result["changed"]:
                raise SystemExit(f"The re-rating rated {result['rated']} of {lines} lines.")
            result.update(engine_wall=engine_wall, engine_cpu=engine_cpu)
            results.append(result)
            print(
                f"run {number + 1}: {result['rated']:,} lines rated, {result['changed']:,} "
                f"changed in {result['wall']:.2f} s (engine alone {engine_wall:.3f} s)",
                flush=True,
            )
        connections.close_all()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    def median(key: str) -> float:
        return statistics.median(result[key] for result in results)

    figures = {
        "date": date.today().isoformat(),
        "nproc": os.cpu_count(),
        "machine": f"{platform.system()} {platform.machine()}",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "runs": runs,
        "data": data,
        "results": results,
        "rated": results[0]["rated"],
        "changed": results[0]["changed"],
        "queries": results[0]["queries"],
        "slices": results[0]["slices"],
        **{key: median(key) for key in ("wall", "cpu", "refresh", "engine_wall", "engine_cpu")},
    }
    section = _section(figures)
    print(section)
    if write_docs:
        write_section(SECTION, section)
    return figures


def _table(f: dict) -> str:
    runs = ", ".join(f"{result['wall']:.2f}" for result in f["results"])
    engines = ", ".join(f"{result['engine_wall'] * 1000:.0f}" for result in f["results"])
    rows = [
        ("lines of the target rated again (12 quarters, 9 regions)", f"{f['rated']:,}"),
        (
            "lines whose rating changed (written, with history and before/after)",
            f"{f['changed']:,}",
        ),
        (
            f"**the re-rating, `change_target_rule`** (runs: {runs} s)",
            f"**{f['wall']:.2f} s** ({f['cpu']:.2f} s of CPU)",
        ),
        (
            f"of which refreshing the stored overall ratings ({f['slices']} slices)",
            f"{f['refresh']:.2f} s",
        ),
        ("queries", f"{f['queries']:,}"),
        (
            f"baseline: the engine alone rating the same {f['rated']:,} lines by the new rule, "
            f"their values in memory (runs: {engines} ms)",
            f"{f['engine_wall'] * 1000:.0f} ms ({f['engine_cpu'] * 1000:.0f} ms of CPU)",
        ),
        (
            "**ratio, re-rating / engine alone**",
            f"**{f['wall'] / f['engine_wall']:.1f}×** ({f['cpu'] / f['engine_cpu']:.1f}× in CPU)",
        ),
    ]
    return "\n".join(["| | |", "| --- | ---: |", *(f"| {a} | {b} |" for a, b in rows)])


def _section(f: dict) -> str:
    return f"""{SECTION}

`bench/bench_rerating.py`, {f["date"]}: {f["machine"]}, {f["nproc"]} CPUs (nproc), Python
{f["python"]}, SQLite {f["sqlite"]} (a throwaway database file, test settings). Median of
{f["runs"]} runs, each on a fresh copy of the national data of the dashboards benchmark
({f["data"]["regions"]} regions, {f["data"]["authorities"]} authorities, {f["data"]["lines"]:,}
lines over 12 quarters).

The change: an administrator narrows the amber margin of the stretch target on invoices paid
in 30 days (at least 95% within 30 days; every county, unitary and district council and the
national parks) from the partnership's default, 10% of the target, to 5%, through
`returns.rerating.change_target_rule`, as the rule page does: in one transaction the target is
validated and saved, each of its lines in every return of every status rated again by the
engine, the changed lines written with a history row each and recorded with their before and
after (`Rerating`, `ReratingLine`), and the target's stored overall ratings refreshed in every
quarter and region ({f["slices"]} slices: 12 quarters × 9 regions).

{_table(f)}

The re-rating costs reading the target's lines, rating them, writing and recording the changed
ones and refreshing {f["slices"]} slices of stored ratings together; the engine's own work is
the baseline. Every dashboard then reads the new ratings from the stored rows at once.
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="Timed runs (median)")
    parser.add_argument("--no-docs", action="store_true", help="Do not write docs/benchmarks.md")
    parser.add_argument(
        "--databases", type=Path, help="Reuse the national database bench_dashboards.py --keep kept"
    )
    options = parser.parse_args(argv)
    run(runs=options.runs, write_docs=not options.no_docs, reuse=options.databases)


if __name__ == "__main__":
    main()

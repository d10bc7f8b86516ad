"""Benchmark: the dashboards at national scale, against rendering their HTML from computed data.

    .venv/bin/python bench/bench_dashboards.py [--runs 7] [--no-docs]

Builds throwaway SQLite databases (test settings, a temporary directory) with
bench/nationaldata.py (shared with the other benchmarks): the reference data
(`load_reference_data`: the 3 target sets and the East Midlands' 51 authorities in 5
sub-regions), then more regions made like it, then 12 quarters of returns (2006/07 Q4 to
2009/10 Q3) of every target set for every sub-region, a line for every authority each target
applies to: values for most, some awaiting data, some not applicable, a few rated by hand.
Bulk inserts (this is a throwaway database): the lines' stored ratings are left empty, as the
dashboards rate every line afresh (returns.overall).

Three databases: 1 region (1×), 9 regions (national: about 460 authorities) and 10 regions
(10×). For each dashboard page it times, as the median of ``--runs`` runs after one warm-up:

* the page: the view called as the server calls it (filters, the builder's queries and
  Python, the template), with a Board member who sees the whole country;
* rendering the same HTML from the already-computed data: ``render_to_string`` of the page's
  template with the context the view built (the baseline);
* the builder alone (reports.dashboards.build_*), to show where the time goes.

It reports the ratio page / baseline at national scale, the ratio of the page's time at 10×
to 1× data, the number of queries (the same at every scale), and writes (or replaces) the
section "Dashboards at national scale" of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import nationaldata  # noqa: E402 - after the path
from bench.benchdocs import write_section  # noqa: E402

SECTION = "## Dashboards at national scale"

NATIONAL, TEN = 9, 10  # regions
SET = "strategy-2008"  # the largest set: 26 targets under 5 themes

#: The pages timed: name, URL name, URL arguments, query string, builder.
PAGES = [
    ("Regional overview", "reports:overview", [], {"target_set": SET}),
    ("Sub-region (Derbyshire)", "reports:sub-region", ["derbyshire"], {"target_set": SET}),
    ("Target (use of resources)", "reports:target", ["st-use-of-resources-level-3"], {}),
    ("Authority (Amber Valley)", "reports:authority", ["amber-valley"], {"target_set": SET}),
    ("Comparison of two quarters", "reports:compare", [], {"target_set": SET}),
]


def _setup_django(database: Path) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "riep.settings.test"
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _use_database(database: Path) -> None:
    """Point the default connection at another database file (same settings otherwise)."""
    from django.db import connections

    connections.close_all()
    connections["default"].settings_dict["NAME"] = str(database)


# ------------------------------------------------------------------------------- the data


def _build(database: Path, regions: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from authorities.roles import BOARD_MEMBER

    _use_database(database)
    data = nationaldata.build(regions)
    user = get_user_model().objects.create_user("bench-board")  # no password: cannot sign in
    user.groups.add(Group.objects.get(name=BOARD_MEMBER))
    return data


# ------------------------------------------------------------------------------- the timing


def _timed(step: Callable[[], object]) -> float:
    start = time.perf_counter()
    step()
    return time.perf_counter() - start


def _request(url_name: str, args: list, params: dict):
    from django.contrib.auth import get_user_model
    from django.test import RequestFactory
    from django.urls import reverse

    request = RequestFactory().get(reverse(url_name, args=args), params)
    request.user = get_user_model().objects.get(username="bench-board")
    return request


class _Page:
    """One dashboard page on the current database: the page, its rendering alone, its build."""

    def __init__(self, url_name: str, args: list, params: dict) -> None:
        from django.urls import resolve

        self.request = _request(url_name, args, params)
        self.match = resolve(self.request.path)
        self.template = self.context = None

    def page(self):
        request = self.request
        # The user as a new request loads it: no permissions or membership cached.
        request.user = type(request.user).objects.get(pk=request.user.pk)
        response = self.match.func(request, **self.match.kwargs)
        response.render()
        if response.status_code != 200:
            raise SystemExit(f"{request.get_full_path()} answered {response.status_code}")
        return response

    def build(self):
        view = self.match.func.view_class()
        view.setup(self.request, **self.match.kwargs)
        self.template, self.context = view.build_context(self.request, **self.match.kwargs)

    def render(self):
        from django.template.loader import render_to_string

        return render_to_string(self.template, self.context, request=self.request)


def _time(databases: dict[int, Path], runs: int) -> dict[int, dict[str, dict]]:
    """Every page at every scale, run after run in turn (interleaved, so that a machine busy
    with something else for a while weighs on every figure alike); the medians."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    samples: dict[int, dict[str, dict[str, list[float]]]] = {
        scale: {name: {"page": [], "render": [], "build": []} for name, *_ in PAGES}
        for scale in databases
    }
    facts: dict[int, dict[str, dict]] = {scale: {} for scale in databases}
    for run_number in range(runs + 1):  # the first run warms up and is not counted
        for scale, database in databases.items():
            _use_database(database)
            for name, url_name, args, params in PAGES:
                page = _Page(url_name, args, params)
                page.page()  # warm: this database's connection, this page's templates
                if run_number == 0:
                    with CaptureQueriesContext(connection) as captured:
                        response = page.page()
                    facts[scale][name] = {
                        "queries": len(captured.captured_queries),
                        "bytes": len(response.content),
                    }
                    continue
                sample = samples[scale][name]
                sample["page"].append(_timed(page.page))
                if scale == NATIONAL:
                    sample["build"].append(_timed(page.build))
                    sample["render"].append(_timed(page.render))
        print(f"run {run_number} of {runs} done", flush=True)
    for scale, pages in samples.items():
        for name, sample in pages.items():
            entry = facts[scale][name]
            entry["page_runs"] = sample["page"]
            entry["page"] = statistics.median(sample["page"])
            if scale == NATIONAL:
                entry["render"] = statistics.median(sample["render"])
                entry["build"] = statistics.median(sample["build"])
                entry["ratio"] = entry["page"] / entry["render"]
    return facts


def run(*, runs: int = 7, write_docs: bool = True) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="riep-bench-dash-"))
    try:
        databases = {scale: workdir / f"{scale}.sqlite3" for scale in (1, NATIONAL, TEN)}
        _setup_django(databases[1])
        data = {}
        for scale, database in databases.items():
            data[scale] = _build(database, scale)
            print(
                f"{scale} region(s): {data[scale]['authorities']} authorities, "
                f"{data[scale]['lines']:,} lines, built in {data[scale]['seconds']:.1f} s",
                flush=True,
            )
        load_before = os.getloadavg()[0]
        timings = _time(databases, runs)
        load_after = os.getloadavg()[0]
        from django.db import connections

        connections.close_all()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    figures = {
        "date": date.today().isoformat(),
        "nproc": os.cpu_count(),
        "machine": f"{platform.system()} {platform.machine()}",
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "runs": runs,
        "load": (load_before, load_after),
        "data": data,
        "timings": timings,
    }
    section = _section(figures)
    print(section)
    if write_docs:
        write_section(SECTION, section)
    return figures


# ------------------------------------------------------------------------------- the report


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms" if seconds >= 0.1 else f"{seconds * 1000:.1f} ms"


def _section(f: dict) -> str:
    data, timings = f["data"], f["timings"]
    national, one, ten = timings[NATIONAL], timings[1], timings[TEN]
    rows = []
    for name, *_ in PAGES:
        n = national[name]
        rows.append(
            f"| {name} | {n['queries']} | {_ms(n['page'])} | {_ms(n['render'])} | "
            f"**{n['ratio']:.1f}×** | {_ms(n['build'])} | {n['bytes'] / 1024:,.0f} KB | "
            f"{_ms(one[name]['page'])} | {_ms(ten[name]['page'])} | "
            f"**{ten[name]['page'] / one[name]['page']:.1f}×** |"
        )
    header = (
        "| dashboard | queries | page (national) | render only | page / render | builder "
        "| HTML | page at 1× | page at 10× | 10× / 1× |"
    )
    queries_equal = all(
        timings[scale][name]["queries"] == national[name]["queries"]
        for scale in timings
        for name, *_ in PAGES
    )
    same = (
        "the same at 1×, national and 10× data" if queries_equal else "NOT the same at every scale"
    )
    sizes = "; ".join(
        f"{scale}× ({d['regions']} region{'s' if d['regions'] > 1 else ''}): "
        f"{d['sub_regions']} sub-regions, {d['authorities']} authorities, {d['lines']:,} lines"
        for scale, d in data.items()
    )
    return f"""{SECTION}

`bench/bench_dashboards.py`, {f["date"]}: {f["machine"]}, {f["nproc"]} CPUs (nproc), Python
{f["python"]}, SQLite {f["sqlite"]} (throwaway database files, test settings). Median of
{f["runs"]} runs after a warm-up, the pages and scales taken in turn within each run (load
average {f["load"][0]:.1f} before, {f["load"][1]:.1f} after: the machine was shared, so read
the ratios rather than the milliseconds).

The data: the reference data's 3 target sets (47 targets) and the East Midlands, copied into
more regions of the same make-up; 12 quarters of returns (2006/07 Q4 to 2009/10 Q3) of every
set for every sub-region, a line for every authority each target applies to (90% with a
value, 10% awaiting data, some not applicable, about 2% rated by hand). {sizes}. The national
set is 9 regions; the last two columns compare 10 regions with 1 (10× the authorities and
lines).

"Page" is the view as the server runs it for a Board member (filters, queries, the builder's
Python, the template); "render only" renders the same template from the context the view
built (the already-computed data); "builder" is the view's work before rendering. The
overview, sub-region, authority and comparison pages are for the 2008 strategy's 26 targets;
the target page is the stretch target on use of resources (every council and fire
authority: about 50 rows for one region, 460 nationally, in a sortable django-tables2 table of
100 rows a page).

{header}
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
{chr(10).join(rows)}

Queries are {same} (counted with the user's own query; a real request adds
the session's: the pages' tests assert those totals).

Where the time goes: the builders rate every line they show afresh with the rating engine
(`returns.overall`: one rule for everyone, whatever a line stored), so a page's time grows with
the lines behind it: the overview and the comparison read every line of the quarter (twice
for the comparison), the target page one target's lines over 12 quarters (its trend), the
sub-region and authority pages only their own. The matrices are plain template loops over
pre-built rows: rendering them is a small share of the page; the target page's tables2 table
is the one place where rendering dominates.
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="Timed runs per step (median)")
    parser.add_argument("--no-docs", action="store_true", help="Do not write docs/benchmarks.md")
    options = parser.parse_args(argv)
    run(runs=options.runs, write_docs=not options.no_docs)


if __name__ == "__main__":
    main()

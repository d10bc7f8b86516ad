"""Benchmark: the dashboards at national scale, each against rendering its own template.

    .venv/bin/python bench/bench_dashboards.py [--runs 15] [--no-docs]

Builds two throwaway SQLite databases (test settings, a temporary directory):

* **national** (bench/nationaldata.py, shared with the other benchmarks): the reference data
  (3 target sets, the East Midlands' 5 sub-regions and 51 authorities), 8 more regions made
  like it (9 regions, 45 sub-regions, 459 authorities), and 12 quarters of returns (2006/07 Q4
  to 2009/10 Q3) of every set for every sub-region, each line rated by the engine and the
  stored overall ratings built as the services keep them;
* **10× the data** (a copy of national, then ``nationaldata.add_set_copies(9)``): 9 copies of
  every target set with all their returns, lines and overall ratings: 30 sets, 10× the
  returns, lines and stored overall rows. The pages measured show one set (the 2008 strategy,
  or one target of the stretch targets), so they show the same thing at both scales; the data
  behind them is 10 times larger. ``nationaldata.check_copies`` proves on a sample that the
  copies hold what the services would have stored.

For each dashboard page (``PAGES``), ``--runs`` runs after one warm-up, each run timing the
page at national scale, the page at 10×, then the builder and the render alone at national
scale, one right after the other (wall-clock and this process's CPU time; the ratios are the
medians of each run's own ratios):

* **page**: the view called as the server calls it for a Board member who sees every region
  (the user loaded as a request loads it, sign-in and role checks, the filters, the builder's
  queries and Python, the template rendered into the response);
* **render only** (the baseline): ``render_to_string(template, context, request=request)`` of
  the page's own template with the context its view had just built
  (``DashboardView.build_context``: the filter form, the selection, the builder's
  dataclasses, the target page's django-tables2 table), built afresh before each timing and
  not timed: the same template, the same data, the same context processors;
* **builder**: ``build_context`` alone (the filters and the builder), to show where the rest
  of the page goes.

It reports page / render only at national scale, the page at 10× the data against the page
at national scale, the queries (the same at both scales), and writes (or replaces) the
section "Dashboards at national scale" of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import gc
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

NATIONAL = 9  # regions
COPIES = 9  # copies of every target set: 10× the data
SET = "strategy-2008"  # the largest set: 26 targets under 5 themes
LIMIT_RENDER, LIMIT_SCALE = 1.5, 1.2  # issue 9: page / render only; page at 10× / at 1×
SCALES = ("national", "ten")

#: The pages timed: name, URL name, URL arguments, query string.
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
    """The national data (``regions`` regions) in ``database``, and the Board member."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from authorities.roles import BOARD_MEMBER, make_national

    _use_database(database)
    data = nationaldata.build(regions)
    user = get_user_model().objects.create_user("bench-board")  # no password: cannot sign in
    user.groups.add(Group.objects.get(name=BOARD_MEMBER))
    make_national(user)  # the national scale: every region side by side
    return data


# ------------------------------------------------------------------------------- the timing


class _Clock:
    """Wall-clock and this process's CPU time of one step."""

    def __init__(self) -> None:
        self.wall: list[float] = []
        self.cpu: list[float] = []

    def time(self, step: Callable[[], object]) -> object:
        wall, cpu = time.perf_counter(), time.process_time()
        result = step()
        self.cpu.append(time.process_time() - cpu)
        self.wall.append(time.perf_counter() - wall)
        return result

    def median(self, kind: str = "wall") -> float:
        return statistics.median(getattr(self, kind))


def _request(url_name: str, args: list, params: dict):
    from django.contrib.auth import get_user_model
    from django.test import RequestFactory
    from django.urls import reverse

    request = RequestFactory().get(reverse(url_name, args=args), params)
    request.user = get_user_model().objects.get(username="bench-board")
    return request


class _Page:
    """One dashboard page on the current database: the page, its context, its rendering."""

    def __init__(self, url_name: str, args: list, params: dict) -> None:
        from django.urls import resolve

        self.request = _request(url_name, args, params)
        self.match = resolve(self.request.path)

    def page(self):
        request = self.request
        # The user as a new request loads it: no permissions or membership cached.
        request.user = type(request.user).objects.get(pk=request.user.pk)
        response = self.match.func(request, **self.match.kwargs)
        response.render()
        if response.status_code != 200:
            raise SystemExit(f"{request.get_full_path()} answered {response.status_code}")
        return response

    def build(self) -> tuple[str, dict]:
        """The view's template and context, as the view builds them (``build_context``)."""
        request = self.request
        request.user = type(request.user).objects.get(pk=request.user.pk)
        view = self.match.func.view_class()
        view.setup(request, **self.match.kwargs)
        return view.build_context(request, **self.match.kwargs)

    def render(self, built: tuple[str, dict]) -> str:
        from django.template.loader import render_to_string

        template, context = built
        return render_to_string(template, context, request=self.request)


class _Connections:
    """One open connection per database, switched in as the default: both scales stay warm
    (their connection and SQLite page cache), and a page at one scale is timed right after the
    same page at the other."""

    def __init__(self, databases: dict[str, Path]) -> None:
        import copy

        from django.db import connections

        connections.close_all()
        self.connections = connections
        self.wrappers = {}
        for scale, path in databases.items():
            settings = copy.deepcopy(connections.settings["default"])
            settings["NAME"] = str(path)
            self.wrappers[scale] = connections["default"].__class__(settings, "default")

    def use(self, scale: str) -> None:
        self.connections["default"] = self.wrappers[scale]

    def close(self) -> None:
        for wrapper in self.wrappers.values():
            wrapper.close()


def _time(databases: dict[str, Path], runs: int) -> dict[str, dict[str, dict]]:
    """Every page at both scales, ``runs`` times after a warm-up. Within a run, each page is
    timed at national scale, at 10×, then built and rendered alone at national scale, one
    right after the other, so that the ratios compare steps measured seconds apart on a
    machine whose load may change; the medians of the steps, and of each run's ratios."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    clocks = {
        name: {step: _Clock() for step in ("page", "ten", "build", "render")} for name, *_ in PAGES
    }
    facts: dict[str, dict] = {name: {} for name, *_ in PAGES}
    # As riep/wsgi.py does in a worker once the app is loaded: what is loaded so far is left
    # out of the cycle collector's full passes (the pages and their renders alike).
    gc.collect()
    gc.freeze()
    switch = _Connections(databases)
    try:
        for run_number in range(runs + 1):  # the first run warms up and is not counted
            for name, url_name, args, params in PAGES:
                clock = clocks[name]
                for scale in SCALES:
                    switch.use(scale)
                    page = _Page(url_name, args, params)
                    page.page()  # warm: this page's templates, this connection's caches
                    if run_number == 0:
                        with CaptureQueriesContext(connection) as captured:
                            response = page.page()
                        with CaptureQueriesContext(connection) as built:
                            page.build()
                        facts[name][scale] = {
                            "queries": len(captured.captured_queries),
                            "builder_queries": len(built.captured_queries),
                            "bytes": len(response.content),
                        }
                        continue
                    gc.collect()  # not a collection left over from the previous step
                    clock["page" if scale == "national" else "ten"].time(page.page)
                if run_number == 0:
                    continue
                switch.use("national")
                page = _Page(url_name, args, params)
                gc.collect()
                built = clock["build"].time(page.build)
                gc.collect()
                clock["render"].time(lambda built=built, page=page: page.render(built))
            print(f"run {run_number} of {runs} done", flush=True)
    finally:
        switch.close()
    for name, clock in clocks.items():
        entry = facts[name]
        for kind in ("wall", "cpu"):
            for step in ("page", "ten", "build", "render"):
                entry[f"{step}_{kind}"] = clock[step].median(kind)
            pages, tens, renders = (
                getattr(clock[step], kind) for step in ("page", "ten", "render")
            )
            entry[f"ratio_{kind}"] = statistics.median(
                page / render for page, render in zip(pages, renders, strict=True)
            )
            entry[f"scale_{kind}"] = statistics.median(
                ten / page for page, ten in zip(pages, tens, strict=True)
            )
        entry["page_runs"] = clock["page"].wall
    return facts


def _databases(workdir: Path) -> tuple[dict, dict, dict]:
    """Build the national and 10× databases in ``workdir``, with what was built noted in
    ``built.json`` (for ``--databases``)."""
    import json

    from django.db import connections

    national, ten = workdir / "national.sqlite3", workdir / "ten.sqlite3"
    _setup_django(national)
    data = _build(national, NATIONAL)
    print(
        f"national: {data['authorities']} authorities, {data['lines']:,} lines, "
        f"built in {data['seconds']:.0f} s",
        flush=True,
    )
    connections.close_all()
    shutil.copyfile(national, ten)
    _use_database(ten)
    copies = nationaldata.add_set_copies(COPIES)
    checked = nationaldata.check_copies()
    print(
        f"10×: {copies['target_sets']} target sets, {copies['lines']:,} lines, "
        f"{copies['overall']:,} overall rows, copied in {copies['seconds']:.0f} s; "
        f"checked {checked}",
        flush=True,
    )
    connections.close_all()
    (workdir / "built.json").write_text(json.dumps([data, copies, checked]))
    return data, copies, checked


def run(
    *, runs: int = 15, write_docs: bool = True, keep: Path | None = None, reuse: Path | None = None
) -> dict:
    """Build the databases (in ``keep``, kept there, if given), or reuse those an earlier
    ``--keep`` kept (only read); time; report."""
    import json

    from django.db import connections

    if reuse is not None:
        workdir = reuse
        _setup_django(workdir / "national.sqlite3")
        data, copies, checked = json.loads((workdir / "built.json").read_text())
    else:
        workdir = keep or Path(tempfile.mkdtemp(prefix="riep-bench-dash-"))
        workdir.mkdir(parents=True, exist_ok=True)
    try:
        if reuse is None:
            data, copies, checked = _databases(workdir)
        load_before = os.getloadavg()[0]
        timings = _time({scale: workdir / f"{scale}.sqlite3" for scale in SCALES}, runs)
        load_after = os.getloadavg()[0]
        connections.close_all()
    finally:
        if reuse is None and keep is None:
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
        "copies": copies,
        "checked": checked,
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


def _verdict(ratio: float, limit: float) -> str:
    return f"**{ratio:.2f}×** {'✓' if ratio <= limit else '✗'}"


def _table(timings: dict, kind: str) -> str:
    rows = [
        "| dashboard | page | render only | page / render only | builder | page at 10× "
        "| 10× / 1× |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, *_ in PAGES:
        entry = timings[name]
        rows.append(
            f"| {name} | {_ms(entry[f'page_{kind}'])} | {_ms(entry[f'render_{kind}'])} | "
            f"{_verdict(entry[f'ratio_{kind}'], LIMIT_RENDER)} | {_ms(entry[f'build_{kind}'])} | "
            f"{_ms(entry[f'ten_{kind}'])} | {_verdict(entry[f'scale_{kind}'], LIMIT_SCALE)} |"
        )
    return "\n".join(rows)


def _section(f: dict) -> str:
    data, copies, timings = f["data"], f["copies"], f["timings"]
    facts = "\n".join(
        f"| {name} | {timings[name]['national']['queries']} | {timings[name]['ten']['queries']} "
        f"| {timings[name]['national']['builder_queries']} | "
        f"{timings[name]['national']['bytes'] / 1024:,.0f} KB |"
        for name, *_ in PAGES
    )
    return f"""{SECTION}

`bench/bench_dashboards.py`, {f["date"]}: {f["machine"]}, {f["nproc"]} CPUs (nproc), Python
{f["python"]}, SQLite {f["sqlite"]} (throwaway database files, test settings), {f["runs"]}
runs after a warm-up. Within a run each page is timed at national scale, then at 10× the data
(a connection to each database kept open), then built and rendered alone at national scale,
one right after the other; the times are the medians of the runs, and each ratio is the
median of the runs' own ratios (a page over the same run's render only, or over the same
run's page at national scale). The machine was shared with other work (load average
{f["load"][0]:.1f} before, {f["load"][1]:.1f} after, on {f["nproc"]} CPUs), so read the ratios
rather than the milliseconds; the CPU-time table measures the same runs by this process's CPU
time, which waiting for a CPU does not inflate.

The data, **national**: the reference data's 3 target sets (47 targets) and the East Midlands,
copied into 9 regions of the same make-up ({data["sub_regions"]} sub-regions,
{data["authorities"]} authorities); 12 quarters of returns (2006/07 Q4 to 2009/10 Q3) of every
set for every sub-region, a line for every authority each target applies to (90% with a
value, 10% awaiting data, some not applicable, about 2% rated by hand), each rated by the
engine, and the stored overall ratings built as the services keep them: {data["lines"]:,}
lines.

**10× the data** is national plus 9 copies of every target set with all their returns, lines
and stored overall ratings: {copies["target_sets"]} target sets, {copies["returns"]:,}
returns, {copies["lines"]:,} lines, {copies["overall"]:,} stored overall rows, 10 times
national's. It is data the pages do not display: each page shows one set (the 2008 strategy's
26 targets; the target page one stretch target), the same at both scales; only the list of
sets in the filter grows ({copies["target_sets"]} names instead of
{copies["target_sets"] // (COPIES + 1)}). More regions would not do: a set is its own region's
(issue 13), so its pages show that region's sub-regions and region whatever the number of
regions; nor would more quarters: the target page's trend and the authority page show up to 16
quarters, so 120 quarters of history would show 16 instead of 12. The copies are made in
SQL from the national data (their targets have the same rules, so each copied line's stored
rating and each copied overall row are what the engine gives them); checked on a sample: the
first {f["checked"]["lines"]:,} lines of `{f["checked"]["target_set"]}` re-rated by the engine,
and its {f["checked"]["overall_rows"]} overall rows of 2009/10 Q3 in one region recomputed by
`returns.overall.refresh`, are equal to the copies.

**Page** is the view as the server runs it for a Board member who sees every region: the user
loaded as a request loads it, the sign-in and role checks, the filters, the builder (queries
and Python), the template rendered into the response. **Render only**, the baseline, is
`render_to_string(template, context, request=request)` of the page's own template with the
context its view built just before (`DashboardView.build_context`, not timed): the filter
form, the selection, the builder's dataclasses and, on the target page, its django-tables2
table (sorted and paginated, 100 rows a page); the same template, data and context
processors as the page. **Builder** is `build_context` alone (filters and builder). The
overview, sub-region, authority and comparison pages are for the 2008 strategy; the target
page is the stretch target on use of resources (a row per authority of the East Midlands it
applies to, every council and the fire authority). Each page shows the East Midlands' set, so
its sub-regions and its region only (issue 13: a set is its region's, even for a national
user, who compares regions on the regions page): the overview is 26 targets × 5 sub-regions
and the region, the comparison the same in two quarters.

Wall-clock, median of {f["runs"]} runs (issue 9 asks page / render only ≤ {LIMIT_RENDER}× and
10× / 1× ≤ {LIMIT_SCALE}×):

{_table(timings, "wall")}

CPU time of the process, the same runs:

{_table(timings, "cpu")}

| dashboard | queries (national) | queries (10×) | of which the builder | HTML |
| --- | ---: | ---: | ---: | ---: |
{facts}

Queries are counted with the user's own query (a real request adds the session's: the pages'
tests assert those totals).

Where the time goes. No builder rates anything any more: the pages read the stored overall
ratings (one row per target, sub-region or region, quarter and basis) and, for a sub-region, a
target or an authority, the stored lines they show (before issue 9 the overview took 7.7× and
the comparison 8.9× as long with 10× the lines). Profiling the pages at national scale
(cProfile, the queries captured) found and fixed, in the read path: overall rows read for every
quarter of the year instead of the quarter asked for; the models' default orderings, joining
four tables to sort rows the selectors sort themselves; the comparison's pairing of each line
with the earlier quarter's in a correlated subquery; two JSON columns decoded for every cell
and read by almost nothing; django-tables2 sorting the target page's rows through accessors.
Then, once a set's pages showed its own region only (issue 13) and rendering a page became a
fifth of what it was, the work every request does around its builder: the filters' options
read the quarters and themes of every set (ten times the sets made every page about 20 ms
slower: they now read the named set's only); the visible sub-regions were read twice a request
(once now: one query fewer on four pages); a target's lines were found through the target's
index, every quarter's and sub-region's (6 ms on the target page; through their returns now);
the generic prefetch of the measures' levels, the rule of every target spelt out afresh on
every request (now remembered by its inputs), the overall rows read as dictionaries, ratings
and marks constructed rather than looked up, and a cell built for each of the previous
quarter's ratings, whose marks alone the overview's message needs. Last, what every request
read that only a change to the targets can change: a set's targets with their measures, themes
and levels, what the pages say of each (its rule in words), the sets and themes the filters
offer. They are now kept in the process per state of the reference data (`targets/stamp.py`):
triggers in the database give one row a new random token on every write to those tables,
however made, and a request reads that token (one query) instead of the targets, levels, sets
and themes (four), and builds none of it (about 5 ms of every page). The first request after a
change reads them with the token, in as many queries as before. And, as `riep/wsgi.py` does in
a worker, the objects of the loaded app are frozen out of the cycle collector's full passes
before timing (`gc.freeze()`). Then, for the overview and the comparison, which were still
over 1.5× (their renders, about 30 ms, are the smallest): the user's permissions are read in
one statement rather than Django's two ORM queries (`authorities/backends.py`, about 1 ms of
every request); the sub-regions a reader may see are kept with the reference data too (the
stamp's triggers watch the regions and sub-regions); the comparison no longer reads both
quarters' lines to pair them authority by authority (about 3 ms): each stored overall rating
keeps its counted R, A, G and Achieved lines by authority (`Overall.marks`, kept by the same
refresh, proven by the rebuild property test), and the comparison pairs those, which the other
pages do not read; the stored rows and the returns are read through querysets made once (their
columns and casts resolved once, not on every page); the filters' declared filters are copied
cheaply. What remains is about eight small queries per request (the user, the permissions, the
user's bindings, the token, the quarters with returns, the returns, the rows) and one stored row
read and one dataclass built per cell (the JSON API serves the same dataclasses, with the
explanations the pages do not print). The ratios move by a few hundredths from one run to the
next on this machine. The target page's region against the other
regions (returns.regions.against_regions) read every line, in the quarter, of every target on
the same measure in every region and set (12,000 lines at 10×: that page took 2.7× as long at
10× the data); it now reads one stored row per region and target on the measure, each region's
count of authorities by level kept with its overall rating (`Overall.levels`), by the targets'
own index (asked for by "sub-region is null", SQLite walked every region-wide row of every
quarter). The national Board member's pages ask one query more than a regional user's: the
navigation names the user's partnership from their region binding, which a regional user's
pages read anyway.
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="Timed runs per step (median)")
    parser.add_argument("--no-docs", action="store_true", help="Do not write docs/benchmarks.md")
    parser.add_argument("--keep", type=Path, help="Keep the databases built in this directory")
    parser.add_argument(
        "--databases", type=Path, help="Reuse the databases an earlier --keep kept (no build)"
    )
    options = parser.parse_args(argv)
    run(
        runs=options.runs,
        write_docs=not options.no_docs,
        keep=options.keep,
        reuse=options.databases,
    )


if __name__ == "__main__":
    main()

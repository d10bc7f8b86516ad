"""The load benchmark's figures and its section of docs/benchmarks.md (bench/bench_load.py)."""

from __future__ import annotations

import math
import statistics

SECTION = "## The dashboards under load"
#: The same benchmark's run of 2026-11-30 before issue 9 (the pages rated every line they
#: showed, every time): kept for comparison.
BEFORE = {
    "date": "2026-11-30",
    "commit": "b11f778",
    "rps": 2.1,
    "p50_ms": 9123,
    "p95_ms": 12659,
    "ratio": 257.6,
    "errors": 0,
}
ALL_PAGES = "The four pages together"
BASELINE, DASHBOARDS = "baseline", "dashboards"  # the two windows, in this order


def percentile(times: list[float], fraction: float) -> float:
    """Nearest rank: the smallest time that at least ``fraction`` of the requests took."""
    ordered = sorted(times)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def summary(measured: dict, page_names: list[str], static_name: str) -> list[dict]:
    """One row per page, one for the pages together, one for the static file (last)."""
    samples = measured["samples"]
    dashboards, baseline = measured["windows"][DASHBOARDS], measured["windows"][BASELINE]

    def row(name: str, times: list[float], window: float) -> dict:
        return {
            "name": name,
            "requests": len(times),
            "rps": len(times) / window,
            "p50": percentile(times, 0.50),
            "p95": percentile(times, 0.95),
        }

    rows = [row(name, samples[name], dashboards) for name in page_names]
    rows.append(row(ALL_PAGES, [t for name in page_names for t in samples[name]], dashboards))
    static = row(static_name, samples[static_name], baseline)
    rows.append(static)
    for entry in rows:
        entry["ratio"] = entry["p95"] / static["p95"]
    return rows


def _ms(milliseconds: float) -> str:
    if milliseconds >= 100:
        return f"{milliseconds:,.0f} ms"
    return f"{milliseconds:.1f} ms"


def _cpu(measured: dict, phase: str) -> str:
    return f"{measured['client_cpu'][phase]:.1%}"


def section(f: dict) -> str:
    measured, data = f["measured"], f["data"]
    static_name = f["static"][0]
    paths = dict([*f["pages"], f["static"]])
    page_names = [name for name, _ in f["pages"]]
    rows = summary(measured, page_names, static_name)
    table = []
    for entry in rows:
        name = entry["name"]
        label = f"**{name}**" if name == ALL_PAGES else f"{name} `{paths[name]}`"
        table.append(
            f"| {label} | {entry['requests']:,} | {entry['rps']:.1f} | {_ms(entry['p50'])} | "
            f"{_ms(entry['p95'])} | **{entry['ratio']:.1f}×** |"
        )
    windows = measured["windows"]
    sign_ins = sorted(measured["sign_in_ms"])
    together = next(entry for entry in rows if entry["name"] == ALL_PAGES)
    return f"""{SECTION}

`bench/bench_load.py`, {f["date"]}: {f["machine"]}, {f["nproc"]} CPUs (nproc), Python
{f["python"]}, PostgreSQL {f["postgres"]} (a throwaway cluster), gunicorn {f["gunicorn"]}
({f["workers"]} sync workers), locust {f["locust"]}. The server, the database and locust share
the same {f["nproc"]} CPUs (load average {f["load"][0]:.1f} before, {f["load"][1]:.1f} after; the
machine was shared with other work, so read the ratios rather than the milliseconds).

The site: `riep.settings.production` served by gunicorn on 127.0.0.1, static files by WhiteNoise
after `collectstatic`, the national data of the dashboards benchmark ({data["regions"]} regions,
{data["sub_regions"]} sub-regions, {data["authorities"]} authorities, {data["lines"]:,} lines over
12 quarters), analysed by `VACUUM ANALYZE` as autovacuum leaves a live database. Only what
the settings require is set: a random secret key, `DJANGO_ALLOWED_HOSTS=127.0.0.1`, the
database, the static and media roots; the HTTPS redirect, HSTS and secure cookies stay on.
The load client stands in for the TLS-terminating proxy of docs/operations.md: it sends
`X-Forwarded-Proto: https` and returns the `Secure` cookies over the loopback hop.

The load: {f["users"]} Board members, each signed in with their own account (the sign-in form with
its CSRF token; {len(sign_ins)} sign-ins, median {_ms(statistics.median(sign_ins))}, slowest
{_ms(sign_ins[-1])}, before the first window opens), each requesting one page after another
without pausing, in two windows of {f["seconds"]} s ({windows[BASELINE]:.1f} s and
{windows[DASHBOARDS]:.1f} s measured) with the same users, sessions and server. First the
baseline: the stylesheet every page links to, served by the same gunicorn through WhiteNoise,
again and again; then the four pages below in turn. With {f["users"]} users on {f["workers"]} sync
workers a request mostly waits for a free worker: in the pages' window each page waits behind the
others' pages, so the pages' rows differ less than the pages' own costs, and the four pages
together are the figure to follow. A p95 over the static file's p95 is what the dashboards cost
against the cheapest request this stack serves, at the same concurrency.

| request | requests | per second | p50 | p95 | p95 / static p95 |
| --- | ---: | ---: | ---: | ---: | ---: |
{chr(10).join(table)}

Before issue 9 (the same benchmark, {BEFORE["date"]}, commit {BEFORE["commit"]}, when every page
rated every line it showed), the four pages together answered **{BEFORE["rps"]} pages/s, p50
{BEFORE["p50_ms"]:,} ms, p95 {BEFORE["p95_ms"]:,} ms, {BEFORE["ratio"]:.0f}× the static file's
p95**, {BEFORE["errors"]} errors; now **{together["rps"]:.1f} pages/s, p50 {_ms(together["p50"])},
p95 {_ms(together["p95"])}, {together["ratio"]:.1f}×**.

Errors: **0** (any response but a 200, a failed request or a failed sign-in fails the benchmark).
Requests per second are those answered in each window: the pages' rows over the pages' window,
the static file's over its own. locust (one process) used {_cpu(measured, BASELINE)} of a CPU in
the baseline's window and {_cpu(measured, DASHBOARDS)} in the pages': near 100%, the client
delays its own requests, so the static file's times are then an upper bound and the ratios
understated.
"""

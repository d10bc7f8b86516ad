"""The snapshot: everything a Board paper shows, built once, as plain JSON-serialisable data.

Every renderer (HTML preview, PDF, Excel, CSV) reads the snapshot and nothing else, so they all
show the same figures; an issued paper stores its snapshot beside its frozen PDF
(``IssuedPaper.snapshot``) and its Excel and CSV are rendered from it, whatever happened to the
returns since.

Format (``SCHEMA``; every number is a string, so nothing is lost to floats and PostgreSQL's
jsonb hands back exactly what was stored; anything ordered is a list, never a dict's keys)::

    {
      "schema": "riep.board-paper/1",
      "built_at": "2010-01-14T09:30:00+00:00",       # shown in the paper (to the second)
      "taken_at": "2010-01-14T09:30:00.123456+00:00", # when the data was read (issued_at)
      "issue": null | {"number": 1, "issued_by": "Chris Allison"},
      "paper": {
        "id", "title", "author_name", "author_title",
        "meeting": {"date": "2010-01-20", "starts_at": "10:00", "venue", "body", "heading",
                    "partnership"},
        "agenda_item": {"number": 8, "title"},
        "sections": [{"number": 1, "heading": "Purpose of the report",
                      "paragraphs": [{"number": "1.1", "html": "<p>sanitised</p>"}]}],
        "basis": "approved" | "all", "appendices": ["region", "srps", ...]
      },
      "data": null | {                              # build_data(): no paper needed
                                                    # (null: a report without a target set)
        "target_set": {"slug", "title"}, "quarter": "2009/10 Q3", "basis": "approved",
        "whole_region": true, "scope_note": "", "headline": "Of 12 targets, ...",
        "sub_regions": [{"slug", "name", "return_status", "return_status_label", "headline",
                         "return_version", "counted",   # counted: on the paper's basis
                         "completeness": {"lines", "values", "awaiting", "not_applicable",
                                          "missing"}}],      # status null: no return
        "trend_quarters": ["2009/10 Q1", "2009/10 Q2", "2009/10 Q3"],
        "targets": [{
          "id", "number", "code", "title", "text", "indicator", "theme",
          "rule_in_words", "parameters": {"tolerance": "2% relative", ...},
          "region": {"rating": "R" | ... | null, "explanation", "counts": {...}, "value",
                     "unapproved": {"submitted": 1}},    # returns not yet approved it rests on
          "sub_regions": [{"slug", "rating", "explanation", "counts", "value", "unapproved"}],
          "trend": {"region": [{"quarter", "rating", "counts", "has_returns", "unapproved"}],
                    "sub_regions": {"<slug>": ["G", null, "A"]}}
        }],
        "lines": [{                                 # one per authority and target that applies
          "sub_region", "authority", "authority_name", "authority_short_name",
          "authority_kind", "target_id", "target_number", "state", "actual", "actual_text",
          "target_value", "target_text", "date_of_data", "status", "computed", "manual",
          "effective", "overridden", "explanation", "manual_reason", "comment", "source",
          "return_status"                           # of the return the line is in
        }],
        "key": {...}                                # see key.build_key
      }
    }

A line is identified by (sub_region, authority, target_id): the slug of its sub-region and
authority and the target's id.

Ratings are the codes of ``targets.rating.Rating`` ("R", "A", "G", "GREY", "NA"; an
improvement plan's also "ACH" and "NYD", counted only where there are any); an overall
rating is null when the rule cannot be computed from the returns (see targets.rating).

The basis: a paper rests on approved returns only unless the Director chose otherwise
(``Paper.basis``); on the "all" basis every overall rating says which returns not yet approved
it rests on (``unapproved``), and every line the status of its return, so that the paper marks
each figure they touch. Snapshots taken before this existed lack these keys: readers take them
as approved.

How it is built: from the stored ratings, read through returns.selectors (the quarter's and
the trend's overall ratings, the quarter's lines): the paper shows what the dashboards show,
and nothing is rated again. 8 queries whatever the number of targets, sub-regions or lines.
Each overall rating carries the sub-region's own rating beside it (``reported``,
``reported_reason``, ``differs``), each line its scope and whether it counts.

The snapshot is over what the building user may see; a paper is built by the Director, who
sees the whole region (``data.whole_region`` says so; the paper prints the scope note when it
is not). Management commands build as ``WHOLE_REGION``, a reader of every sub-region.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal

from django.utils import dateformat, timezone

from returns.models import Basis, ReturnStatus
from returns.periods import Quarter
from returns.selectors import (
    LineRow,
    StoredOverall,
    quarter_lines,
    quarter_ratings,
    ratings_over,
    set_targets,
)
from targets.models import MeasureKind, Target, TargetSet, rating_rule
from targets.rating import rule_parameters

from .. import dashboards
from ..dashboards.overview import completeness_of
from ..dashboards.status import DataStatus
from ..markdown import numbered_paragraphs
from . import key as key_module

__all__ = [
    "SCHEMA",
    "TREND_QUARTERS",
    "WHOLE_REGION",
    "build_data",
    "build_snapshot",
    "canonical_json",
    "current_return_states",
    "data_snapshot",
    "return_states",
    "snapshot_checksum",
    "unapproved_counted",
]

SCHEMA = "riep.board-paper/1"
#: How many quarters the trend covers, ending with the paper's quarter (only those with returns).
TREND_QUARTERS = 4

_LEVEL_KINDS = {MeasureKind.ORDINAL, MeasureKind.MILESTONE}


class _WholeRegionReader:
    """The reader management commands build papers as: every sub-region, no programme
    manager's membership (like the returns export's ``user=None``). Never a request's user."""

    is_authenticated = True
    is_active = True
    username = "board-paper-command"
    membership = None

    def has_perm(self, perm: str, obj=None) -> bool:
        # Every region's sub-regions; a paper's figures are over its own set's region alone
        # (returns.selectors.ratings_over).
        return perm in {
            "returns.view_return",
            "returns.view_all_returns",
            "authorities.view_all_regions",
        }

    def get_full_name(self) -> str:
        return "Management command"

    def __str__(self) -> str:
        return self.username


WHOLE_REGION = _WholeRegionReader()


# --------------------------------------------------------------------------- plain values


def _number(value: Decimal | None, kind: str) -> str | None:
    """A value in its canonical, re-importable form (as returns.exporting writes it)."""
    if value is None:
        return None
    if kind in _LEVEL_KINDS:
        return str(int(value))
    if kind == MeasureKind.YES_NO:
        return "yes" if value else "no"
    normalised = value.normalize()
    if normalised == normalised.to_integral_value():
        return str(int(normalised))
    return f"{normalised:f}"


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _rating(value) -> str | None:
    return None if value is None else str(value)


def _plain(value) -> str | None:
    return None if value is None else f"{Decimal(value).normalize():f}"


# --------------------------------------------------------------------------- the data
#
# The appendices' figures are the stored ratings, read through the read layer
# (returns.selectors) in a fixed handful of queries: the paper shows what the dashboards show,
# and nothing is rated again here. This module only turns them into plain JSON.


def _counts(stored: dict) -> dict:
    counts = dashboards.Counts.of_lines(stored)
    plan = {"ACH": counts.achieved, "NYD": counts.not_yet_due}  # seed 004's, where any
    return {
        "R": counts.red,
        "A": counts.amber,
        "G": counts.green,
        "GREY": counts.grey,
        "NA": counts.not_applicable,
        "outside": counts.outside,
        **{code: count for code, count in plan.items() if count},
    }


def _unapproved(result: StoredOverall, basis: str) -> dict[str, int]:
    return dict(DataStatus.of(result.returns, basis).unapproved)


def _overall(result: StoredOverall, basis: str) -> dict:
    return {
        "rating": _rating(result.rating),
        "explanation": result.explanation,
        "counts": _counts(result.counts),
        "value": _plain(result.value),
        "relevant": result.relevant,
        "known": result.known,
        "reported": _rating(result.reported),
        "reported_reason": result.reported_reason,
        "reported_note": result.reported_note,
        "differs": result.differs,
        "unapproved": _unapproved(result, basis),
    }


def _line(
    row: LineRow, target: Target, info: dashboards.TargetInfo, return_status: str | None
) -> dict:
    kind = target.measure.kind
    rated = row.rating
    target_value = row.target_value if row.target_value is not None else target.threshold
    if target_value is None:
        target_text = "its own target (none given)"
    elif row.target_value is None:
        target_text = f"{info.format(target_value)} (the target's threshold)"
    else:
        target_text = info.format(target_value)
    return {
        "sub_region": row.sub_region_slug,
        "authority": row.authority_slug,
        "authority_name": row.authority_name,
        "authority_short_name": row.authority_short_name,
        "authority_kind": row.authority_kind,
        "target_id": target.pk,
        "target_number": target.number,
        "state": row.state,
        "scope": row.scope,
        "counted": rated.counted,
        "actual": _number(row.actual, kind),
        "actual_text": info.format(row.actual) if row.actual is not None else "",
        "target_value": _number(target_value, kind),
        "target_text": target_text,
        "date_of_data": _iso(row.date_of_data),
        "status": _rating(rated.status),
        "computed": _rating(rated.computed),
        "manual": _rating(rated.manual),
        "effective": _rating(rated.effective),
        "overridden": rated.overridden,
        "explanation": rated.explanation,
        "manual_reason": row.manual_reason,
        "state_reason": row.state_reason,
        "comment": row.comment,
        "source": row.source,
        "return_status": return_status if row.line_id else None,
    }


def _headline(results: list[StoredOverall], *, name: str, quarter: Quarter) -> str:
    counts = dashboards.Counts.of(dashboards.Mark.of(result.rating) for result in results)
    return dashboards.headline(counts, where=name, quarter=quarter)


def build_data(
    *,
    user,
    target_set: TargetSet,
    quarter: Quarter,
    trend: bool = True,
    basis: str = Basis.ALL,
) -> dict:
    """The appendices' data for a target set and quarter, as the user may see it: the stored
    overall ratings of the quarter and of the trend's quarters (``ratings_over``) and the
    quarter's stored lines (``quarter_lines``): 8 queries whatever the size of the data."""
    targets = set_targets(target_set)
    wanted = (
        [Quarter.from_index(quarter.index - back) for back in range(TREND_QUARTERS - 1, -1, -1)]
        if trend
        else [quarter]
    )
    by_quarter = ratings_over(
        user=user, target_set=target_set, quarters=wanted, basis=basis, targets=targets
    )
    current = by_quarter[quarter]
    # Earlier quarters of the trend only where the user may see a return of them.
    quarters = [
        period
        for period in wanted
        if period == quarter or any(ref.has_return for ref in by_quarter[period].sub_regions)
    ]
    refs = current.sub_regions
    infos = dashboards.facts.target_infos(targets, target_set)
    lines_by_target = quarter_lines(refs=refs, targets=targets, basis=basis)
    region = current.regions[0] if len(current.regions) == 1 else None

    def region_of(ratings, target) -> StoredOverall:
        if region is None:
            return StoredOverall.none_made(who="the region")
        return ratings.region(target.pk, region)

    data_targets = []
    lines = []
    for target, info in zip(targets, infos, strict=True):
        per_sub_region = [current.sub_region(target.pk, ref) for ref in refs]
        data_targets.append(
            {
                "id": target.pk,
                "number": target.number,
                "code": target.code,
                "title": target.title,
                "text": target.text,
                "indicator": target.indicator,
                "theme": info.theme,
                "rule_in_words": info.rule_text,
                "pass_mark": info.pass_mark,
                "threshold_words": info.threshold_words,
                "threshold_reading": info.threshold_reading,
                "amber_margin": info.amber_margin,
                "parameters": rule_parameters(rating_rule(target)),
                "region": _overall(region_of(current, target), basis),
                "sub_regions": [
                    {"slug": ref.slug} | _overall(result, basis)
                    for ref, result in zip(refs, per_sub_region, strict=True)
                ],
                "trend": {
                    "region": [
                        {
                            "quarter": period.label,
                            "rating": _rating(region_of(by_quarter[period], target).rating),
                            "counts": _counts(region_of(by_quarter[period], target).counts),
                            "has_returns": any(
                                ref.has_return for ref in by_quarter[period].sub_regions
                            ),
                            "unapproved": _unapproved(region_of(by_quarter[period], target), basis),
                        }
                        for period in quarters
                    ],
                    "sub_regions": {
                        ref.slug: [
                            _rating(by_quarter[period].sub_region(target.pk, ref).rating)
                            for period in quarters
                        ]
                        for ref in refs
                    },
                },
            }
        )
        for ref in refs:
            lines += [
                _line(row, target, info, ref.return_status)
                for row in lines_by_target[target.pk][ref.slug]
            ]

    sub_region_url = dashboards.facts.path("reports:sub-region", "slug")
    columns = [dashboards.SubRegionInfo.of(ref, sub_region_url) for ref in refs]
    completeness, _ = completeness_of(current, columns)
    by_slug = {each.sub_region.slug: each for each in completeness}
    region_results = [region_of(current, target) for target in targets]
    where = "the region" if current.whole else "what you may see"
    return {
        "target_set": {"slug": target_set.slug, "title": target_set.title},
        "quarter": quarter.label,
        "basis": basis,
        "whole_region": current.whole,
        "scope_note": current.scope_note,
        "headline": _headline(region_results, name=where, quarter=quarter),
        "sub_regions": [
            {
                "slug": ref.slug,
                "name": ref.name,
                "return_status": ref.return_status,
                "return_status_label": column.status_label,
                "return_version": ref.return_version,
                "counted": ref.included(basis),
                "headline": _headline(
                    [current.sub_region(target.pk, ref) for target in targets],
                    name=ref.name,
                    quarter=quarter,
                ),
                "completeness": {
                    "lines": by_slug[ref.slug].lines,
                    "values": by_slug[ref.slug].values,
                    "awaiting": by_slug[ref.slug].awaiting,
                    "not_applicable": by_slug[ref.slug].not_applicable,
                    "missing": by_slug[ref.slug].missing,
                    "outside": by_slug[ref.slug].outside,
                },
            }
            for ref, column in zip(refs, columns, strict=True)
        ],
        "trend_quarters": [period.label for period in quarters],
        "targets": data_targets,
        "lines": lines,
        "key": key_module.build_key(data_targets),
    }


# --------------------------------------------------------------------------- the paper


def paper_text(paper) -> dict:
    """The paper's own part of the snapshot: meeting, agenda item, sections (sanitised HTML),
    the returns it rests on and the appendices it carries."""
    item = paper.agenda_item
    meeting = item.meeting
    return {
        "id": paper.pk,
        "title": paper.title,
        "author_name": paper.author_name,
        "author_title": paper.author_title,
        "meeting": {
            "date": meeting.date.isoformat(),
            "date_text": dateformat.format(meeting.date, "jS F Y"),
            "starts_at": meeting.starts_at.strftime("%H:%M") if meeting.starts_at else None,
            "venue": meeting.venue,
            "body": meeting.body,
            "heading": meeting.heading,
            "partnership": meeting.partnership,
        },
        "agenda_item": {"number": item.number, "title": item.title},
        "sections": [
            {
                "number": section.number,
                "heading": section.heading,
                "paragraphs": [
                    {"number": number, "html": str(html)}
                    for number, html in numbered_paragraphs(section.number, section.body)
                ],
            }
            for section in paper.sections.order_by("order", "number", "id")
        ],
        "basis": paper.basis,
        "appendices": list(paper.appendices),
    }


def build_snapshot(paper, *, user, issue: dict | None = None, now: datetime | None = None) -> dict:
    """The whole snapshot of a paper: its text, and the data for its target set and quarter.

    ``issue`` ({"number": 1, "issued_by": "Chris Allison"}) marks the snapshot of an issue:
    the paper then prints "Issue 1" where a draft prints "Draft".
    """
    taken_at = now or timezone.now()
    built_at = taken_at.astimezone(timezone.get_default_timezone())
    return {
        "schema": SCHEMA,
        "built_at": built_at.replace(microsecond=0).isoformat(),
        "taken_at": taken_at.isoformat(),
        "issue": issue,
        "paper": paper_text(paper),
        # A report without a target set is text alone: no data, no appendices.
        "data": None
        if paper.is_narrative
        else build_data(
            user=user, target_set=paper.target_set, quarter=paper.period, basis=paper.basis
        ),
    }


def data_snapshot(*, user, target_set: TargetSet, quarter: Quarter, now=None) -> dict:
    """A snapshot of the data alone, with no paper (``export_board_data --target-set``)."""
    built_at = (now or timezone.now()).astimezone(timezone.get_default_timezone())
    return {
        "schema": SCHEMA,
        "built_at": built_at.replace(microsecond=0).isoformat(),
        "issue": None,
        "paper": {
            "id": None,
            "title": f"{target_set.title}, {quarter.label}",
            "author_name": "",
            "author_title": "",
            "meeting": None,
            "agenda_item": None,
            "sections": [],
        },
        "data": build_data(user=user, target_set=target_set, quarter=quarter),
    }


def return_states(data: dict | None) -> list[dict]:
    """Which return of each sub-region the data rests on, in which state, and whether it is
    counted (an issue records it; a return not yet approved counted needs a confirmation).
    None for a report without a target set, which rests on no return."""
    if data is None:
        return []
    return [
        {
            "sub_region": sub_region["slug"],
            "name": sub_region["name"],
            "status": sub_region["return_status"],
            "status_label": sub_region["return_status_label"],
            "version": sub_region.get("return_version"),
            "counted": bool(
                sub_region.get("counted", sub_region["return_status"] == ReturnStatus.APPROVED)
            ),
        }
        for sub_region in data["sub_regions"]
    ]


def current_return_states(paper, *, user) -> list[dict]:
    """``return_states`` of the paper's quarter as it is now, without building its data (for
    the issue page: a few queries)."""
    if paper.is_narrative:
        return []  # text alone: it rests on no return
    ratings = quarter_ratings(
        user=user, target_set=paper.target_set, quarter=paper.period, basis=paper.basis, targets=[]
    )
    url = dashboards.facts.path("reports:sub-region", "slug")
    return [
        {
            "sub_region": ref.slug,
            "name": ref.name,
            "status": ref.return_status,
            "status_label": dashboards.SubRegionInfo.of(ref, url).status_label,
            "version": ref.return_version,
            "counted": ref.included(paper.basis),
        }
        for ref in ratings.sub_regions
    ]


def unapproved_counted(data: dict | list[dict] | None) -> list[dict]:
    """The returns not yet approved that the data (or a list of return states) counts (the
    "all" basis only)."""
    states = data if isinstance(data, list) else return_states(data)
    return [
        state for state in states if state["counted"] and state["status"] != ReturnStatus.APPROVED
    ]


def canonical_json(snapshot: dict) -> bytes:
    """The snapshot as canonical JSON bytes (sorted keys, no spaces): the same after a round
    trip through SQLite or PostgreSQL's jsonb, which reorders keys."""
    return json.dumps(snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode(
        "utf-8"
    )


def snapshot_checksum(snapshot: dict) -> str:
    return hashlib.sha256(canonical_json(snapshot)).hexdigest()

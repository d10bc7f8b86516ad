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
        "meeting": {"date": "2010-01-20", "starts_at": "10:00", "venue", "body", "heading"},
        "agenda_item": {"number": 8, "title"},
        "sections": [{"number": 1, "heading": "Purpose of the report",
                      "paragraphs": [{"number": "1.1", "html": "<p>sanitised</p>"}]}]
      },
      "data": {                                     # build_data(): no paper needed
        "target_set": {"slug", "title"}, "quarter": "2009/10 Q3",
        "whole_region": true, "scope_note": "", "headline": "Of 12 targets, ...",
        "sub_regions": [{"slug", "name", "return_status", "return_status_label", "headline",
                         "completeness": {"lines", "values", "awaiting", "not_applicable",
                                          "missing"}}],      # status null: no return
        "trend_quarters": ["2009/10 Q1", "2009/10 Q2", "2009/10 Q3"],
        "targets": [{
          "id", "number", "code", "title", "text", "indicator", "theme",
          "rule_in_words", "parameters": {"tolerance": "2% relative", ...},
          "region": {"rating": "R" | ... | null, "explanation", "counts": {...}, "value"},
          "sub_regions": [{"slug", "rating", "explanation", "counts", "value"}],  # region order
          "trend": {"region": [{"quarter", "rating", "counts", "has_returns"}],
                    "sub_regions": {"<slug>": ["G", null, "A"]}}
        }],
        "lines": [{                                 # one per authority and target that applies
          "sub_region", "authority", "authority_name", "authority_short_name",
          "authority_kind", "target_id", "target_number", "state", "actual", "actual_text",
          "target_value", "target_text", "date_of_data", "status", "computed", "manual",
          "effective", "overridden", "explanation", "manual_reason", "comment", "source"
        }],
        "key": {...}                                # see key.build_key
      }
    }

A line is identified by (sub_region, authority, target_id): the slug of its sub-region and
authority and the target's id.

Ratings are the codes of ``targets.rating.Rating`` ("R", "A", "G", "GREY", "NA"); an overall
rating is null when the rule cannot be computed from the returns (see targets.rating).

How it is built: from the Board dashboards' builders (reports.dashboards: ``build_overview``
for the regional overview, ``build_sub_region`` for each sub-region's matrix, ``target_series``
for each target's trend), which take their figures from ``returns.overall``: the paper shows
what the dashboards show, by the same rules. A constant number of queries per sub-region and
per target, whatever the number of lines.

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

from authorities.models import SubRegion
from returns.models import Return
from returns.periods import Quarter
from targets.models import MeasureKind, Target, TargetSet, rating_rule
from targets.rating import overall_rating

from .. import dashboards
from ..markdown import numbered_paragraphs
from . import key as key_module

__all__ = [
    "SCHEMA",
    "TREND_QUARTERS",
    "WHOLE_REGION",
    "build_data",
    "build_snapshot",
    "canonical_json",
    "data_snapshot",
    "snapshot_checksum",
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
        return perm in {"returns.view_return", "returns.view_all_returns"}

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
# The appendices' figures come from the Board dashboards' builders (reports.dashboards), which
# take them from returns.overall: the paper shows what the dashboards show. This module only
# turns their dataclasses into plain JSON.


def _trend_quarters(*, user, target_set: TargetSet, quarter: Quarter) -> list[Quarter]:
    """The quarters of the trend: up to TREND_QUARTERS ending with ``quarter``, keeping only
    the earlier ones for which any return the user may see exists (the paper's own quarter is
    always there). Never a quarter after the paper's."""
    first = Quarter.from_index(quarter.index - TREND_QUARTERS + 1)
    periods = (
        Return.objects.for_user(user)
        .filter(target_set=target_set)
        .values_list("year", "quarter")
        .distinct()
    )
    present = {Quarter(year, number) for year, number in periods}
    return [
        Quarter.from_index(index)
        for index in range(first.index, quarter.index + 1)
        if index == quarter.index or Quarter.from_index(index) in present
    ]


def _counts(engine_counts: dict) -> dict:
    counts = dashboards.Counts.of_lines(engine_counts)
    return {
        "R": counts.red,
        "A": counts.amber,
        "G": counts.green,
        "GREY": counts.grey,
        "NA": counts.not_applicable,
    }


def _trend(*, user, target: Target, quarters: list[Quarter], slugs: list[str]) -> dict:
    """One target's ratings quarter by quarter (``reports.dashboards.target_series``)."""
    series, _, _ = dashboards.target_series(user=user, target=target, quarters=quarters)
    region, by_slug = [], {slug: [] for slug in slugs}
    for period in quarters:
        item, refs = series[period]
        region.append(
            {
                "quarter": period.label,
                "rating": _rating(item.region.rating),
                "counts": _counts(item.region.counts),
                "has_returns": any(ref.has_return for ref in refs),
            }
        )
        for slug in slugs:
            overall = item.sub_regions.get(slug)
            by_slug[slug].append(_rating(overall.rating) if overall else None)
    return {"region": region, "sub_regions": by_slug}


def _overall(cell) -> dict:
    counts = cell.counts
    return {
        "rating": cell.mark.rating,
        "explanation": cell.explanation,
        "counts": {
            "R": counts.red,
            "A": counts.amber,
            "G": counts.green,
            "GREY": counts.grey,
            "NA": counts.not_applicable,
        },
        "value": _plain(cell.value),
    }


def _line(view, authority, target, cell, kinds: dict[int, str]) -> dict:
    kind = kinds[target.pk]
    target_value = cell.target_value if cell.target_value is not None else target.threshold
    return {
        "sub_region": view.sub_region.slug,
        "authority": authority.slug,
        "authority_name": authority.name,
        "authority_short_name": authority.short_name,
        "authority_kind": authority.kind,
        "target_id": target.pk,
        "target_number": target.number,
        "state": cell.state,
        "actual": _number(cell.actual, kind),
        "actual_text": cell.value_text,
        "target_value": _number(target_value, kind),
        "target_text": cell.target_text,
        "date_of_data": _iso(cell.date_of_data),
        "status": cell.status,
        "computed": cell.computed.rating,
        "manual": cell.manual.rating if cell.manual else None,
        "effective": cell.mark.rating,
        "overridden": cell.overridden,
        "explanation": cell.explanation,
        "manual_reason": cell.manual_reason,
        "comment": cell.comment,
        "source": cell.source,
    }


def build_data(*, user, target_set: TargetSet, quarter: Quarter, trend: bool = True) -> dict:
    """The appendices' data for a target set and quarter, as the user may see it.

    The regional overview is ``reports.dashboards.build_overview``; each sub-region's matrix
    ``build_sub_region``; each target's trend ``target_series`` (over ``_trend_quarters``).
    """
    overview = dashboards.build_overview(user=user, target_set=target_set, quarter=quarter)
    models = {
        target.pk: target
        for target in Target.objects.filter(target_set=target_set)
        .select_related("measure")
        .prefetch_related("measure__levels")
    }
    kinds = {pk: target.measure.kind for pk, target in models.items()}
    sub_region_models = {
        sub_region.slug: sub_region
        for sub_region in SubRegion.objects.filter(
            slug__in=[column.slug for column in overview.columns]
        )
    }
    views = [
        dashboards.build_sub_region(
            user=user,
            sub_region=sub_region_models[column.slug],
            target_set=target_set,
            quarter=quarter,
        )
        for column in overview.columns
    ]
    slugs = [column.slug for column in overview.columns]
    quarters = (
        _trend_quarters(user=user, target_set=target_set, quarter=quarter) if trend else [quarter]
    )

    targets = []
    for row in overview.rows:
        info = row.target
        model = models[info.pk]
        if trend:
            series = _trend(user=user, target=model, quarters=quarters, slugs=slugs)
        else:
            series = {
                "region": [
                    {
                        "quarter": quarter.label,
                        "rating": row.region.mark.rating,
                        "counts": _overall(row.region)["counts"],
                        "has_returns": overview.returns_made > 0,
                    }
                ],
                "sub_regions": {
                    slug: [cell.mark.rating] for slug, cell in zip(slugs, row.cells, strict=True)
                },
            }
        targets.append(
            {
                "id": info.pk,
                "number": info.number,
                "code": info.code,
                "title": info.title,
                "text": info.text,
                "indicator": info.indicator,
                "theme": info.theme,
                "rule_in_words": info.rule_text,
                "parameters": dict(overall_rating(rating_rule(model), []).parameters),
                "region": _overall(row.region),
                "sub_regions": [
                    {"slug": slug} | _overall(cell)
                    for slug, cell in zip(slugs, row.cells, strict=True)
                ],
                "trend": series,
            }
        )

    lines = []
    views_by_slug = {}
    for view in views:
        views_by_slug[view.sub_region.slug] = view
        for authority_row in view.rows:
            for target, cell in zip(view.targets, authority_row.cells, strict=True):
                if cell.state == "does_not_apply":
                    continue
                lines.append(_line(view, authority_row.authority, target, cell, kinds))

    completeness = {each.sub_region.slug: each for each in overview.completeness}
    return {
        "target_set": {"slug": target_set.slug, "title": target_set.title},
        "quarter": quarter.label,
        "whole_region": overview.whole_region,
        "scope_note": overview.scope_note,
        "headline": overview.headline,
        "sub_regions": [
            {
                "slug": column.slug,
                "name": column.name,
                "return_status": column.return_status,
                "return_status_label": column.status_label,
                "headline": views_by_slug[column.slug].headline,
                "completeness": {
                    "lines": completeness[column.slug].lines,
                    "values": completeness[column.slug].values,
                    "awaiting": completeness[column.slug].awaiting,
                    "not_applicable": completeness[column.slug].not_applicable,
                    "missing": completeness[column.slug].missing,
                },
            }
            for column in overview.columns
        ],
        "trend_quarters": [period.label for period in quarters],
        "targets": targets,
        "lines": lines,
        "key": key_module.build_key(targets),
    }


# --------------------------------------------------------------------------- the paper


def paper_text(paper) -> dict:
    """The paper's own part of the snapshot: meeting, agenda item, sections (sanitised HTML)."""
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
        "data": build_data(user=user, target_set=paper.target_set, quarter=paper.period),
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


def canonical_json(snapshot: dict) -> bytes:
    """The snapshot as canonical JSON bytes (sorted keys, no spaces): the same after a round
    trip through SQLite or PostgreSQL's jsonb, which reorders keys."""
    return json.dumps(snapshot, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode(
        "utf-8"
    )


def snapshot_checksum(snapshot: dict) -> str:
    return hashlib.sha256(canonical_json(snapshot)).hexdigest()

"""From a snapshot to what the templates print: matrices, explanations, lists, charts.

Pure functions of the snapshot (no database), shared by the HTML preview and the PDF; Excel
and CSV read the same structures (``appendices``) so every format shows the same rows.

* Only the appendices the paper carries are printed, numbered 1, 2, 3 ... in their order
  (``Paper.appendices``; every one for a snapshot that does not say).
* A figure resting on a return not yet approved is marked † (the paper's first page says which
  returns, and each appendix they touch says so at its top).
* Repeated identical reasons and comments are grouped: the text once, then its lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils import dateformat
from django.utils.safestring import mark_safe

from authorities.models import AuthorityKind
from returns.periods import Quarter

from ..dashboards.status import UNAPPROVED, DataStatus, Place, data_note
from ..models import APPENDIX_CHOICES, PARTNERSHIP
from .key import RATING_LABELS, RATING_LETTERS, STATUS_SYMBOLS

__all__ = ["Appendix", "Cell", "appendices", "paper_context"]

#: The mark of a figure resting on a return not yet approved (see the key and the first page).
UNAPPROVED_MARK = "†"
UNAPPROVED_MEANING = (
    "Rests on a return not yet approved (submitted or draft), counted because the paper "
    "includes them: see its first page."
)

_KIND_LABELS = dict(AuthorityKind.choices)


@dataclass(frozen=True)
class Cell:
    """A rating as printed: a letter on a colour, never colour alone; ``*`` when rated by hand
    differently from the rules."""

    code: str  # R, A, G, ACH, NYD, GREY, NA, or NONE (not rated)
    letter: str
    label: str
    mark: str = ""
    title: str = ""

    @property
    def css(self) -> str:
        return f"rag rag--{self.code}"

    @property
    def text(self) -> str:
        return f"{self.letter}{self.mark}"


NOT_RATED = Cell(code="NONE", letter="–", label="Not rated")


def cell(
    rating: str | None,
    *,
    overridden: bool = False,
    by_hand: bool = False,
    outside: bool = False,
    unapproved: bool = False,
    title: str = "",
) -> Cell:
    """A printed rating, marked * where the sub-region's own rating differs from the rule's,
    ✎ where its own rating stands for want of a value, ⊘ where it lies outside the target's
    scope, † where it rests on a return not yet approved (see the key)."""
    dagger = UNAPPROVED_MARK if unapproved else ""
    if rating is None:
        return Cell(code="NONE", letter="not rated", label="Not rated", mark=dagger, title=title)
    mark = ("*" if overridden else "") + ("✎" if by_hand else "") + ("⊘" if outside else "")
    mark += dagger
    return Cell(
        code=rating,
        letter=RATING_LETTERS.get(rating, rating),
        label=RATING_LABELS.get(rating, rating),
        mark=mark,
        title=title,
    )


@dataclass
class Appendix:
    number: int
    title: str
    anchor: str
    key: str = ""
    touched: bool = False  # shows figures resting on a return not yet approved


@dataclass
class Matrix:
    """One sub-region's authorities × targets, and its overall row."""

    sub_region: dict
    anchor: str
    targets: list[dict]
    label: str = ""  # "2a", "2b" ... within the appendix
    unapproved: bool = False  # the sub-region's return is counted though not yet approved
    rows: list[dict] = field(default_factory=list)  # {"name", "kind", "cells": [Cell | None]}
    overall: list[Cell] = field(default_factory=list)
    own: list[Cell | None] = field(default_factory=list)  # the sub-region's own overall row


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _long_date(value: date | datetime | None, fmt: str = "j F Y") -> str:
    return dateformat.format(value, fmt) if value else ""


def _sub_region_names(data: dict) -> dict[str, str]:
    return {sub_region["slug"]: sub_region["name"] for sub_region in data["sub_regions"]}


def _counted(sub_region: dict, basis: str) -> bool:
    """Whether the data counts the sub-region's return (older snapshots do not say)."""
    if "counted" in sub_region:
        return bool(sub_region["counted"])
    status = sub_region["return_status"]
    return bool(status) and (basis == "all" or status == "approved")


def unapproved_slugs(data: dict) -> set[str]:
    """The sub-regions whose return is counted though not yet approved."""
    basis = data.get("basis", "all")
    return {
        sub_region["slug"]
        for sub_region in data["sub_regions"]
        if _counted(sub_region, basis) and sub_region["return_status"] != "approved"
    }


def data_basis(data: dict):
    """What the paper's figures rest on (reports.dashboards.status.DataNote)."""
    places = [Place(each["name"], each["return_status"]) for each in data["sub_regions"]]
    return data_note(places, data.get("basis", "all"))


def _region_rows(data: dict) -> list[dict]:
    marked = unapproved_slugs(data)
    rows = []
    for target in data["targets"]:
        rows.append(
            {
                "target": target,
                "region": cell(
                    target["region"]["rating"],
                    title=target["region"]["explanation"],
                    unapproved=bool(target["region"].get("unapproved")),
                ),
                "cells": [
                    cell(
                        each["rating"],
                        title=each["explanation"],
                        unapproved=each["slug"] in marked,
                    )
                    for each in target["sub_regions"]
                ],
                "own": [
                    cell(each["reported"], overridden=each.get("differs", False))
                    if each.get("reported")
                    else None
                    for each in target["sub_regions"]
                ],
            }
        )
    return rows


def _matrices(data: dict) -> list[Matrix]:
    targets = data["targets"]
    by_sub_region: dict[str, dict[str, dict]] = {}
    for line in data["lines"]:
        rows = by_sub_region.setdefault(line["sub_region"], {})
        row = rows.setdefault(
            line["authority"],
            {
                "name": line["authority_name"],
                "short_name": line["authority_short_name"],
                "kind": _KIND_LABELS.get(line["authority_kind"], line["authority_kind"]),
                "kind_code": line["authority_kind"],
                "by_target": {},
            },
        )
        row["by_target"][line["target_id"]] = line
    kind_order = {kind: index for index, kind in enumerate(AuthorityKind.values)}
    marked = unapproved_slugs(data)
    matrices = []
    for index, sub_region in enumerate(data["sub_regions"]):
        unapproved = sub_region["slug"] in marked
        rows = sorted(
            by_sub_region.get(sub_region["slug"], {}).values(),
            key=lambda row: (kind_order.get(row["kind_code"], 99), row["name"]),
        )
        matrix = Matrix(
            sub_region=sub_region,
            anchor=f"srp-{sub_region['slug']}",
            targets=targets,
            unapproved=unapproved,
        )
        for row in rows:
            cells = []
            for target in targets:
                line = row["by_target"].get(target["id"])
                if line is None:
                    cells.append(None)
                else:
                    cells.append(
                        cell(
                            line["effective"],
                            overridden=line["overridden"],
                            by_hand=bool(line["manual"]) and line["computed"] in {"GREY", None},
                            outside=line.get("scope") == "outside",
                            unapproved=unapproved,
                            title=line["explanation"],
                        )
                    )
            matrix.rows.append(
                {"name": row["short_name"], "full_name": row["name"], "kind": row["kind"]}
                | {"cells": cells}
            )
        matrix.overall = [
            cell(target["sub_regions"][index]["rating"], unapproved=unapproved)
            for target in targets
        ]
        matrix.own = [
            cell(each["reported"], overridden=each.get("differs", False))
            if (each := target["sub_regions"][index]).get("reported")
            else None
            for target in targets
        ]
        matrices.append(matrix)
    return matrices


def _explanations(data: dict) -> list[dict]:
    names = _sub_region_names(data)
    marked = unapproved_slugs(data)
    items = []
    for target in data["targets"]:
        rows = [
            {
                "name": "The region" if data["whole_region"] else "Sub-regions shown",
                "region": True,
                "cell": cell(
                    target["region"]["rating"],
                    unapproved=bool(target["region"].get("unapproved")),
                ),
                "explanation": target["region"]["explanation"],
            }
        ]
        rows.extend(
            {
                "name": names[each["slug"]],
                "region": False,
                "cell": cell(each["rating"], unapproved=each["slug"] in marked),
                "explanation": each["explanation"],
                "own": cell(each["reported"], overridden=each.get("differs", False))
                if each.get("reported")
                else None,
                "own_note": each.get("reported_note", ""),
            }
            for each in target["sub_regions"]
        )
        items.append({"target": target, "rows": rows})
    return items


def _line_rows(data: dict, wanted) -> list[dict]:
    names = _sub_region_names(data)
    numbers = {target["id"]: target for target in data["targets"]}
    marked = unapproved_slugs(data)
    rows = []
    for line in data["lines"]:
        if not wanted(line):
            continue
        target = numbers[line["target_id"]]
        rows.append(
            {
                "sub_region": names.get(line["sub_region"], line["sub_region"]),
                "sub_region_slug": line["sub_region"],
                "unapproved": line["sub_region"] in marked,
                "authority": line["authority_short_name"],
                "target": target,
                "value": line["actual_text"] or "—",
                "target_value": line["target_text"] or "—",
                "status": STATUS_SYMBOLS.get(line["status"] or "", ""),
                "computed": cell(line["computed"]),
                "manual": cell(line["manual"]),
                "reason": line["manual_reason"],
                "comment": line["comment"],
                "explanation": line["explanation"],
            }
        )
    return rows


def _own_differences(data: dict) -> list[dict]:
    """Every target where a sub-region's own overall rating differs from the computed one."""
    names = _sub_region_names(data)
    marked = unapproved_slugs(data)
    rows = []
    for target in data["targets"]:
        for each in target["sub_regions"]:
            if not each.get("differs"):
                continue
            rows.append(
                {
                    "sub_region": names.get(each["slug"], each["slug"]),
                    "sub_region_slug": each["slug"],
                    "unapproved": each["slug"] in marked,
                    "target": target,
                    "computed": cell(each["rating"]),
                    "reported": cell(each["reported"]),
                    "reason": each.get("reported_reason", ""),
                    "explanation": each["explanation"],
                }
            )
    return rows


def _point(entry: dict):
    """A trend point of the dashboards' charts from the snapshot's plain data."""
    from ..dashboards import Counts, Mark, OverallCell, TrendPoint

    counts = Counts(
        red=entry["counts"].get("R", 0),
        amber=entry["counts"].get("A", 0),
        green=entry["counts"].get("G", 0),
        grey=entry["counts"].get("GREY", 0),
        not_applicable=entry["counts"].get("NA", 0),
        achieved=entry["counts"].get("ACH", 0),
        not_yet_due=entry["counts"].get("NYD", 0),
    )
    return TrendPoint(
        quarter=Quarter.parse(entry["quarter"]),
        counts=counts,
        overall=OverallCell(
            mark=Mark.of(entry["rating"]),
            explanation="",
            counts=counts,
            data=DataStatus(tuple(sorted((entry.get("unapproved") or {}).items(), key=_least))),
        ),
        has_returns=entry["has_returns"],
    )


def _least(item: tuple[str, int]) -> int:
    """The least approved status first (draft, returned, submitted)."""
    return UNAPPROVED.index(item[0]) if item[0] in UNAPPROVED else len(UNAPPROVED)


def _trends(data: dict) -> tuple[list[dict], list[dict]]:
    """One chart per target (the dashboards' trend chart, reports.charts), and the table of
    the region's rating of each target by quarter."""
    from ..charts import trend_chart

    where = "Region" if data["whole_region"] else "Shown"
    charts = [
        {
            "target": target,
            "svg": trend_chart(
                [_point(entry) for entry in target["trend"]["region"]],
                chart_id=f"trend-{target['id']}",
                title=f"Target {target['number']}: {target['title']}",
                description=f"{where}, {data['target_set']['title']}.",
                unit="authorities",
                overall_label=where,
            ),
        }
        for target in data["targets"]
    ]
    table = [
        {
            "target": target,
            "cells": [
                cell(entry["rating"], unapproved=bool(entry.get("unapproved")))
                for entry in target["trend"]["region"]
            ],
        }
        for target in data["targets"]
    ]
    return charts, table


def grouped(rows: list[dict], by: str, order: list[str] | None = None) -> list[dict]:
    """Rows sharing a sub-region and the same ``by`` text (a reason, a comment), together:
    the text once, then its rows; the sub-regions in ``order`` (their slugs), each one's
    texts in the order they first appear."""
    groups: dict[tuple[str, str], dict] = {}
    for row in rows:
        text = (row.get(by) or "").strip()
        key = (row["sub_region"], text)
        if key not in groups:
            groups[key] = {
                "sub_region": row["sub_region"],
                "unapproved": row.get("unapproved", False),
                "text": text,
                "rows": [],
            }
        groups[key]["rows"].append(row)
    position = {slug: index for index, slug in enumerate(order or [])}
    firsts = {id(group): index for index, group in enumerate(groups.values())}
    return sorted(
        groups.values(),
        key=lambda group: (
            position.get(group["rows"][0].get("sub_region_slug", ""), len(position)),
            firsts[id(group)],
        ),
    )


APPENDICES = APPENDIX_CHOICES


def appendices(data: dict, chosen: list[str] | None = None) -> dict:
    """The appendices' rows, from the snapshot's data; ``chosen``: the keys of the appendices
    the paper carries (every one when None), numbered 1, 2, 3 ... in the printed order."""
    keys = [name for name, _ in APPENDICES if chosen is None or name in chosen]
    numbers = {name: index for index, name in enumerate(keys, start=1)}
    charts, trend_table = _trends(data)
    matrices = _matrices(data)
    for index, matrix in enumerate(matrices):
        suffix = "abcdefghijklmnopqrstuvwxyz"[index] if len(matrices) <= 26 else f".{index + 1}"
        matrix.label = f"{numbers.get('srps', '')}{suffix}"
    overrides = _line_rows(data, lambda line: line["overridden"])
    own_differences = _own_differences(data)
    comments = _line_rows(data, lambda line: bool(line["comment"].strip()))
    marked = unapproved_slugs(data)
    order = [sub_region["slug"] for sub_region in data["sub_regions"]]
    touched = {
        "region": bool(marked),
        "srps": any(matrix.unapproved for matrix in matrices),
        "explanations": bool(marked),
        "trends": any(
            entry.get("unapproved")
            for target in data["targets"]
            for entry in target["trend"]["region"]
        ),
        "overrides": any(row["unapproved"] for row in overrides + own_differences),
        "comments": any(row["unapproved"] for row in comments),
        "key": False,
    }
    key = data["key"]
    if marked or touched["trends"]:
        key = key | {
            "marks": [*key["marks"], {"mark": UNAPPROVED_MARK, "meaning": UNAPPROVED_MEANING}]
        }
    return {
        "list": [
            Appendix(
                number=numbers[name],
                title=title,
                anchor=f"appendix-{name}",
                key=name,
                touched=touched[name],
            )
            for name, title in APPENDICES
            if name in numbers
        ],
        "numbers": numbers,
        "touched": touched,
        "region_rows": _region_rows(data),
        "matrices": matrices,
        "explanations": _explanations(data),
        "trend_charts": charts,
        "trend_table": trend_table,
        "overrides": overrides,
        "override_groups": grouped(overrides, "reason", order),
        "own_differences": own_differences,
        "own_difference_groups": grouped(own_differences, "reason", order),
        "own_ratings": sum(
            1
            for target in data["targets"]
            for each in target["sub_regions"]
            if each.get("reported")
        ),
        "stand_ins": _line_rows(
            data, lambda line: bool(line["manual"]) and line["computed"] in {"GREY", None}
        ),
        "outside": _line_rows(data, lambda line: line.get("scope") == "outside"),
        "comments": comments,
        "comment_groups": grouped(comments, "comment", order),
        "key": key,
        "missing_returns": [
            sub_region for sub_region in data["sub_regions"] if not sub_region["return_status"]
        ],
        "data_basis": data_basis(data),
        "unapproved_slugs": marked,
        "unapproved_mark": UNAPPROVED_MARK,
    }


def paper_context(snapshot: dict, *, screen: bool = False, **extra) -> dict:
    """The template context of the paper (print and preview alike)."""
    paper = snapshot["paper"]
    data = snapshot["data"]
    built_at = datetime.fromisoformat(snapshot["built_at"])
    issue = snapshot.get("issue")
    meeting = paper["meeting"]
    meeting_date = _date(meeting["date"])
    if issue:
        status = f"Issue {issue['number']} · {_long_date(built_at)}"
    else:
        what = "data as at" if data is not None else "as at"
        status = f"Draft · {what} {_long_date(built_at, 'j F Y H:i')}"
    context = {
        "snapshot": snapshot,
        "paper": paper,
        "sections": [
            section
            | {
                "paragraphs": [
                    paragraph | {"html": mark_safe(paragraph["html"])}  # noqa: S308 - sanitised
                    for paragraph in section["paragraphs"]
                ]
            }
            for section in paper["sections"]
        ],
        "data": data,
        "issue": issue,
        "built_at": built_at,
        "meeting": meeting,
        "meeting_date": meeting_date,
        "meeting_date_short": _long_date(meeting_date),
        "status_line": status,
        "screen": screen,
        # Snapshots of before meetings had a region do not say: they were the East Midlands'.
        "partnership": meeting.get("partnership", PARTNERSHIP),
    }
    if data is None:
        # A report without a target set: its sections alone, no appendices.
        context.update({"list": [], "numbers": {}, "unapproved_mark": UNAPPROVED_MARK})
    else:
        context.update(appendices(data, paper.get("appendices")))
    context.update(extra)
    return context

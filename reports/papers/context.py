"""From a snapshot to what the templates print: matrices, explanations, lists, charts.

Pure functions of the snapshot (no database), shared by the HTML preview and the PDF; Excel
and CSV read the same structures (``appendices``) so every format shows the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils import dateformat
from django.utils.safestring import mark_safe

from authorities.models import AuthorityKind
from returns.periods import Quarter

from .key import RATING_LABELS, RATING_LETTERS, STATUS_SYMBOLS

__all__ = ["Appendix", "Cell", "appendices", "paper_context"]

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
    title: str = "",
) -> Cell:
    """A printed rating, marked * where the sub-region's own rating differs from the rule's,
    ✎ where its own rating stands for want of a value, ⊘ where it lies outside the target's
    scope (see the key)."""
    if rating is None:
        return Cell(code="NONE", letter="not rated", label="Not rated", title=title)
    mark = ("*" if overridden else "") + ("✎" if by_hand else "") + ("⊘" if outside else "")
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


@dataclass
class Matrix:
    """One sub-region's authorities × targets, and its overall row."""

    sub_region: dict
    anchor: str
    targets: list[dict]
    label: str = ""  # "2a", "2b" ... within the appendix
    rows: list[dict] = field(default_factory=list)  # {"name", "kind", "cells": [Cell | None]}
    overall: list[Cell] = field(default_factory=list)
    own: list[Cell | None] = field(default_factory=list)  # the sub-region's own overall row


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _long_date(value: date | datetime | None, fmt: str = "j F Y") -> str:
    return dateformat.format(value, fmt) if value else ""


def _sub_region_names(data: dict) -> dict[str, str]:
    return {sub_region["slug"]: sub_region["name"] for sub_region in data["sub_regions"]}


def _region_rows(data: dict) -> list[dict]:
    rows = []
    for target in data["targets"]:
        rows.append(
            {
                "target": target,
                "region": cell(target["region"]["rating"], title=target["region"]["explanation"]),
                "cells": [
                    cell(each["rating"], title=each["explanation"])
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
    matrices = []
    for index, sub_region in enumerate(data["sub_regions"]):
        rows = sorted(
            by_sub_region.get(sub_region["slug"], {}).values(),
            key=lambda row: (kind_order.get(row["kind_code"], 99), row["name"]),
        )
        matrix = Matrix(
            sub_region=sub_region,
            anchor=f"srp-{sub_region['slug']}",
            targets=targets,
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
                            title=line["explanation"],
                        )
                    )
            matrix.rows.append(
                {"name": row["short_name"], "full_name": row["name"], "kind": row["kind"]}
                | {"cells": cells}
            )
        matrix.overall = [cell(target["sub_regions"][index]["rating"]) for target in targets]
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
    items = []
    for target in data["targets"]:
        rows = [
            {
                "name": "The region" if data["whole_region"] else "Sub-regions shown",
                "region": True,
                "cell": cell(target["region"]["rating"]),
                "explanation": target["region"]["explanation"],
            }
        ]
        rows.extend(
            {
                "name": names[each["slug"]],
                "region": False,
                "cell": cell(each["rating"]),
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
    rows = []
    for line in data["lines"]:
        if not wanted(line):
            continue
        target = numbers[line["target_id"]]
        rows.append(
            {
                "sub_region": names.get(line["sub_region"], line["sub_region"]),
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
    rows = []
    for target in data["targets"]:
        for each in target["sub_regions"]:
            if not each.get("differs"):
                continue
            rows.append(
                {
                    "sub_region": names.get(each["slug"], each["slug"]),
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
        overall=OverallCell(mark=Mark.of(entry["rating"]), explanation="", counts=counts),
        has_returns=entry["has_returns"],
    )


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
        {"target": target, "cells": [cell(entry["rating"]) for entry in target["trend"]["region"]]}
        for target in data["targets"]
    ]
    return charts, table


APPENDICES = (
    ("region", "Regional overview: overall ratings by sub-regional partnership"),
    ("srps", "The sub-regional partnerships' returns: ratings by authority"),
    ("explanations", "Overall ratings explained"),
    ("trends", "Trends"),
    ("overrides", "Where the sub-regions' own ratings differ from the rule's"),
    ("comments", "Comments in the returns"),
    ("key", "Key to the ratings"),
)


def appendices(data: dict) -> dict:
    """The appendices' rows, from the snapshot's data."""
    charts, trend_table = _trends(data)
    numbers = {name: index for index, (name, _) in enumerate(APPENDICES, start=1)}
    matrices = _matrices(data)
    for index, matrix in enumerate(matrices):
        suffix = "abcdefghijklmnopqrstuvwxyz"[index] if len(matrices) <= 26 else f".{index + 1}"
        matrix.label = f"{numbers['srps']}{suffix}"
    return {
        "list": [
            Appendix(number=index, title=title, anchor=f"appendix-{name}")
            for index, (name, title) in enumerate(APPENDICES, start=1)
        ],
        "numbers": numbers,
        "region_rows": _region_rows(data),
        "matrices": matrices,
        "explanations": _explanations(data),
        "trend_charts": charts,
        "trend_table": trend_table,
        "overrides": _line_rows(data, lambda line: line["overridden"]),
        "own_differences": _own_differences(data),
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
        "comments": _line_rows(data, lambda line: bool(line["comment"].strip())),
        "key": data["key"],
        "missing_returns": [
            sub_region for sub_region in data["sub_regions"] if not sub_region["return_status"]
        ],
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
        status = f"Draft · data as at {_long_date(built_at, 'j F Y H:i')}"
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
        "partnership": "East Midlands Improvement and Efficiency Partnership",
    }
    context.update(appendices(data))
    context.update(extra)
    return context

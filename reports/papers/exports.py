"""Excel and CSV of a paper's data, rendered from its snapshot (so an issue's are from its
frozen snapshot).

Excel (openpyxl): a "Paper" sheet (what, for which meeting, as at when), a "Key", a "Region"
sheet (targets × the region and each sub-region), one sheet per sub-regional partnership
(authorities × targets, and the overall row), and "Lines" (one row per authority and target,
the same rows and columns as the CSV). Ratings are letters on fills (never colour alone);
header rows are frozen and have an autofilter; cell comments carry the explanations, the
values, the manual ratings' reasons and the returns' comments.

CSV: the "Lines" rows, plus one row per target for the region and for each sub-region (the
``level`` column says which), UTF-8 with a byte order mark (Excel reads "£" and "–" right).
On a sub-region's overall row, ``manual_rating`` and ``manual_reason`` hold the sub-region's own
overall rating and its reason, and ``overridden`` says "yes" where it differs from the computed
one (which is ``computed_rating`` and ``effective_rating``: the computed one counts), as on a
line.
``data_status`` says what each row rests on: "approved", or the status of the return not yet
approved it rests on ("submitted", "draft", "returned"); the "Paper" sheet says which returns
the data rests on.

Every text cell is neutralised with ``returns.exporting.neutralise`` (a leading quote before
= + - @, tab or carriage return): a spreadsheet never reads an authority's comment as a
formula. Numbers stay numbers in Excel.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from returns.exporting import neutralise
from targets.vocabulary import RATINGS

from .context import appendices
from .key import RATING_LETTERS

__all__ = ["CSV_COLUMNS", "csv_rows", "render_csv", "render_xlsx"]

CSV_COLUMNS = (
    "level",
    "sub_region",
    "authority",
    "authority_kind",
    "target",
    "target_title",
    "indicator",
    "period",
    "date_of_data",
    "actual",
    "target_value",
    "status",
    "computed_rating",
    "manual_rating",
    "effective_rating",
    "overridden",
    "explanation",
    "manual_reason",
    "comment",
    "data_status",
)
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"

#: Each rating's cell: the one vocabulary's fill and ink (targets.vocabulary), the letter on it.
_FILLS = {code: (term.fill, term.ink) for code, term in RATINGS.items()}
_FILLS[None] = _FILLS["none"]  # a rating the returns cannot give: printed "not rated"


def _letter(rating: str | None) -> str:
    return "not rated" if rating is None else RATING_LETTERS.get(rating, rating)


def _number(text: str | None) -> Decimal | int | str | None:
    """A canonical value back to a number for Excel ("92.79" → Decimal); words stay words."""
    if text is None or text == "":
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return text
    return int(value) if value == value.to_integral_value() else value


# --------------------------------------------------------------------------- rows


def csv_rows(snapshot: dict) -> Iterable[list]:
    """The rows of the CSV (and of the "Lines" sheet, which leaves out the overall rows)."""
    data = snapshot["data"]
    quarter = data["quarter"]
    names = {sub_region["slug"]: sub_region["name"] for sub_region in data["sub_regions"]}
    targets = {target["id"]: target for target in data["targets"]}
    region = "region" if data["whole_region"] else "sub-regions shown"
    for target in data["targets"]:
        yield _overall_row(region, "", target, target["region"], quarter)
    status_of = {
        sub_region["slug"]: sub_region["return_status"] for sub_region in data["sub_regions"]
    }
    lines_by_sub_region: dict[str, list[dict]] = {}
    for line in data["lines"]:
        lines_by_sub_region.setdefault(line["sub_region"], []).append(line)
    for sub_region in data["sub_regions"]:
        slug = sub_region["slug"]
        for target in data["targets"]:
            overall = next(each for each in target["sub_regions"] if each["slug"] == slug)
            yield _overall_row("sub_region", names[slug], target, overall, quarter)
        lines = sorted(
            lines_by_sub_region.get(slug, []),
            key=lambda line: (line["authority_name"], _natural(line["target_number"])),
        )
        for line in lines:
            row = _line_row(line, targets[line["target_id"]], names[slug], quarter)
            row[-1] = _line_status(line, status_of.get(slug))
            yield row


def _natural(number: str) -> tuple:
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", number))


def _status(unapproved: dict | None) -> str:
    """ "approved", or the least approved status of the returns not yet approved a figure
    rests on."""
    for status in ("draft", "returned", "submitted"):
        if (unapproved or {}).get(status):
            return status
    return "approved"


def _line_status(line: dict, status: str | None) -> str:
    """The status of the return the line is in ("" without a line; older snapshots did not
    record it on the line: their sub-region's return's)."""
    if "return_status" in line:
        return line["return_status"] or ""
    return "" if line["state"] == "no_return" else (status or "")


def _overall_row(level: str, sub_region: str, target: dict, overall: dict, quarter: str) -> list:
    return [
        level,
        sub_region,
        "",
        "",
        target["number"],
        target["title"],
        target["indicator"],
        quarter,
        None,
        None,
        None,
        "",
        _letter(overall["rating"]),
        _letter(overall["reported"]) if overall.get("reported") else "",
        _letter(overall["rating"]),
        "yes" if overall.get("differs") else "",
        overall["explanation"],
        overall.get("reported_reason", ""),
        "",
        _status(overall.get("unapproved")),
    ]


def _line_row(line: dict, target: dict, sub_region: str, quarter: str) -> list:
    return [
        "authority",
        sub_region,
        line["authority_name"],
        line["authority_kind"],
        target["number"],
        target["title"],
        target["indicator"],
        quarter,
        line["date_of_data"],
        line["actual"],
        line["target_value"],
        line["status"] or "",
        _letter(line["computed"]),
        _letter(line["manual"]) if line["manual"] else "",
        _letter(line["effective"]),
        "yes" if line["overridden"] else "",
        line["explanation"],
        line["manual_reason"],
        line["comment"],
        "",
    ]


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    return str(value)


def render_csv(snapshot: dict) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    writer.writerows([_csv_cell(value) for value in row] for row in csv_rows(snapshot))
    return buffer.getvalue().encode("utf-8-sig")


# --------------------------------------------------------------------------- Excel


class _Styles:
    def __init__(self) -> None:
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

        thin = Side(style="thin", color="555555")
        self.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        self.header_font = Font(bold=True)
        self.header_fill = PatternFill(fill_type="solid", fgColor="E4E4E4")
        self.title_font = Font(bold=True, size=14)
        self.wrap = Alignment(wrap_text=True, vertical="top")
        self.centre = Alignment(horizontal="center", vertical="center")
        self.fills = {
            code: PatternFill(fill_type="solid", fgColor=fill) for code, (fill, _) in _FILLS.items()
        }
        self.fonts = {code: Font(bold=True, color=ink) for code, (_, ink) in _FILLS.items()}


def _sheet_title(name: str, taken: set[str]) -> str:
    """An Excel sheet name: no []:*?/\\, at most 31 characters, unique in the workbook."""
    title = re.sub(r"[\[\]:*?/\\]", "-", name).strip("'") or "Sheet"
    title = title[:31]
    candidate, counter = title, 2
    while candidate.lower() in taken:
        suffix = f" ({counter})"
        candidate = title[: 31 - len(suffix)] + suffix
        counter += 1
    taken.add(candidate.lower())
    return candidate


def _text(value):
    return neutralise(value) if isinstance(value, str) else value


def _comment(text: str, *, width: int = 360, height: int = 160):
    from openpyxl.comments import Comment

    comment = Comment(text, "East Midlands RIEP")
    comment.width, comment.height = width, height
    return comment


def _header(sheet, names: list[str], styles: _Styles, row: int = 1) -> None:
    for column, name in enumerate(names, start=1):
        cell = sheet.cell(row=row, column=column, value=_text(name))
        cell.font = styles.header_font
        cell.fill = styles.header_fill
        cell.border = styles.border
        cell.alignment = styles.wrap


def _rating_cell(sheet, row: int, column: int, rating, styles: _Styles, *, mark: str = ""):
    cell = sheet.cell(row=row, column=column, value=_letter(rating) + mark)
    cell.fill = styles.fills.get(rating, styles.fills[None])
    cell.font = styles.fonts.get(rating, styles.fonts[None])
    cell.alignment = styles.centre
    cell.border = styles.border
    return cell


def _widths(sheet, widths: dict[str, float]) -> None:
    for letter, width in widths.items():
        sheet.column_dimensions[letter].width = width


def _paper_sheet(sheet, snapshot: dict, parts: dict, sheet_names: list[str], styles) -> None:
    paper, data, issue = snapshot["paper"], snapshot["data"], snapshot.get("issue")
    item, meeting = paper.get("agenda_item"), paper.get("meeting")
    title = f"Agenda item {item['number']}: {paper['title']}" if item else paper["title"]
    sheet["A1"] = _text(title)
    sheet["A1"].font = styles.title_font
    built_at = datetime.fromisoformat(snapshot["built_at"])
    rows = []
    if item and meeting:
        rows += [
            ("Report of the Director", f"{paper['author_name']}, {paper['author_title']}"),
            ("Meeting", f"{meeting['heading']}: {meeting['date_text']}"),
            ("Venue", meeting["venue"]),
            ("Agenda item", f"{item['number']}. {item['title']}"),
        ]
    rows += [
        ("Target set", data["target_set"]["title"]),
        ("Quarter", data["quarter"]),
        ("Status", f"Issue {issue['number']}" if issue else "Draft (not issued)"),
        ("Data as at", built_at.strftime("%d %B %Y %H:%M")),
        ("Scope", data["scope_note"] or "The whole region."),
        ("Data", _data_text(data)),
        ("Summary", data.get("headline", "")),
        ("Sheets", ", ".join(sheet_names)),
    ]
    for index, (label, value) in enumerate(rows, start=3):
        sheet.cell(row=index, column=1, value=label).font = styles.header_font
        sheet.cell(row=index, column=2, value=_text(value)).alignment = styles.wrap
    start = len(rows) + 5
    sheet.cell(row=start, column=1, value="Appendices of the paper").font = styles.header_font
    for offset, appendix in enumerate(parts["list"], start=1):
        sheet.cell(
            row=start + offset,
            column=1,
            value=_text(f"Appendix {appendix.number}: {appendix.title}"),
        )
    _widths(sheet, {"A": 26, "B": 90})


def _data_text(data: dict) -> str:
    """What the figures rest on, as the paper's first page says it."""
    from .context import data_basis

    note = data_basis(data)
    text = f"{note.basis_label}: the figures rest on {note.on}."
    if note.details:
        text += f" {note.details[0].upper()}{note.details[1:]}."
    return text


def _key_sheet(sheet, key: dict, styles) -> None:
    _header(sheet, ["Shown", "Rating", "Meaning"], styles)
    row = 2
    for rating in key["ratings"]:
        _rating_cell(sheet, row, 1, rating["code"], styles)
        sheet.cell(row=row, column=2, value=rating["label"])
        sheet.cell(row=row, column=3, value=_text(rating["meaning"])).alignment = styles.wrap
        row += 1
    for mark in key["marks"]:
        sheet.cell(row=row, column=1, value=_text(mark["mark"])).alignment = styles.centre
        sheet.cell(row=row, column=3, value=_text(mark["meaning"])).alignment = styles.wrap
        row += 1
    row += 1
    texts = [key["tolerance"], *key["amber"], *(rule["text"] for rule in key["overall"])]
    texts.extend(
        f"Target {target['number']} ({target['title']}): tolerance {target['tolerance']}; "
        f"amber margin {target['amber_margin']}."
        for target in key["exceptions"]
    )
    texts.append(
        "Where a value stands against its target: "
        + "; ".join(f"{status['symbol']} {status['label']}" for status in key["statuses"])
    )
    for text in texts:
        sheet.cell(row=row, column=3, value=_text(text)).alignment = styles.wrap
        row += 1
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:C{1 + len(key['ratings'])}"
    _widths(sheet, {"A": 12, "B": 16, "C": 100})


def _region_sheet(sheet, data: dict, styles) -> None:
    from openpyxl.utils import get_column_letter

    from .context import UNAPPROVED_MARK, unapproved_slugs

    marked = unapproved_slugs(data)
    region = "Region" if data["whole_region"] else "Shown"
    names = ["No.", "Target", "Indicator", "Theme", region]
    names += [
        f"{sub_region['name']} ({sub_region['return_status']}, not approved) {UNAPPROVED_MARK}"
        if sub_region["slug"] in marked
        else sub_region["name"]
        for sub_region in data["sub_regions"]
    ]
    _header(sheet, names, styles)
    for row, target in enumerate(data["targets"], start=2):
        sheet.cell(row=row, column=1, value=_text(target["number"]))
        title = sheet.cell(row=row, column=2, value=_text(target["title"]))
        title.comment = _comment(f"{target['text']}\n\nRule: {target['rule_in_words']}")
        sheet.cell(row=row, column=3, value=_text(target["indicator"]))
        sheet.cell(row=row, column=4, value=_text(target["theme"]))
        dagger = UNAPPROVED_MARK if target["region"].get("unapproved") else ""
        cell = _rating_cell(sheet, row, 5, target["region"]["rating"], styles, mark=dagger)
        cell.comment = _comment(target["region"]["explanation"])
        for offset, each in enumerate(target["sub_regions"]):
            dagger = UNAPPROVED_MARK if each["slug"] in marked else ""
            cell = _rating_cell(
                sheet, row, 6 + offset, each["rating"], styles, mark=_own_mark(each) + dagger
            )
            cell.comment = _comment(_overall_comment(each))
    last = get_column_letter(len(names))
    sheet.freeze_panes = "C2"
    sheet.auto_filter.ref = f"A1:{last}{len(data['targets']) + 1}"
    _widths(sheet, {"A": 6, "B": 48, "C": 12, "D": 24})
    for column in range(5, len(names) + 1):
        sheet.column_dimensions[get_column_letter(column)].width = 16


def _own_mark(overall: dict) -> str:
    """Beside a computed overall rating: "*" where the sub-region's own one differs."""
    return "*" if overall.get("differs") else ""


def _overall_comment(overall: dict) -> str:
    text = overall["explanation"]
    if overall.get("reported"):
        text += (
            f"\nThe sub-region's own rating: {_letter(overall['reported'])}"
            + (" (differs from the computed one)" if overall.get("differs") else "")
            + f". {overall.get('reported_reason') or ''}".rstrip()
        )
    return text


def _line_mark(line: dict) -> str:
    """* own rating differs from the rule's; ✎ own rating standing in; ⊘ outside scope."""
    mark = ""
    if line["overridden"]:
        mark = "*"
    elif (
        line["manual"]
        and line["manual"] == line["effective"]
        and line["computed"] != line["effective"]
    ):
        mark = "✎"
    if line.get("scope") == "outside":
        mark += "⊘"
    return mark


def _line_comment(line: dict) -> str | None:
    parts = []
    if line["actual_text"]:
        parts.append(f"Value: {line['actual_text']} against {line['target_text'] or '—'}.")
    parts.append(line["explanation"])
    if line["manual"]:
        parts.append(
            f"The sub-region's own rating: {_letter(line['manual'])}. {line['manual_reason']}"
        )
    if line.get("scope") == "outside":
        parts.append("Reported for an authority outside the target's scope: never counted.")
    if line["comment"]:
        parts.append(f"Comment: {line['comment']}")
    return "\n".join(part for part in parts if part) or None


def _sub_region_sheet(sheet, matrix, data: dict, lines: dict, styles) -> None:
    from openpyxl.utils import get_column_letter

    targets = data["targets"]
    names = ["Authority", "Kind", *(target["number"] for target in targets)]
    _header(sheet, names, styles)
    for column, target in enumerate(targets, start=3):
        sheet.cell(row=1, column=column).comment = _comment(
            f"Target {target['number']}: {target['title']}", height=60
        )
    authority_rows = lines.get(matrix.sub_region["slug"], {})
    row = 2
    for authority in sorted(
        authority_rows.values(), key=lambda each: (each["order"], each["name"])
    ):
        sheet.cell(row=row, column=1, value=_text(authority["name"]))
        sheet.cell(row=row, column=2, value=_text(authority["kind"]))
        for column, target in enumerate(targets, start=3):
            line = authority["by_target"].get(target["id"])
            if line is None:
                cell = sheet.cell(row=row, column=column, value="–")
                cell.alignment = styles.centre
                continue
            cell = _rating_cell(
                sheet,
                row,
                column,
                line["effective"],
                styles,
                mark=_line_mark(line) + ("†" if matrix.unapproved else ""),
            )
            text = _line_comment(line)
            if text:
                cell.comment = _comment(text)
        row += 1
    last = get_column_letter(len(names))
    sheet.freeze_panes = "C2"
    sheet.auto_filter.ref = f"A1:{last}{max(row - 1, 1)}"
    overall_row = row + 1
    sheet.cell(row=overall_row, column=1, value=_text(f"Overall: {matrix.sub_region['name']}"))
    sheet.cell(row=overall_row, column=1).font = styles.header_font
    index = data["sub_regions"].index(matrix.sub_region)
    own_row = overall_row + 1
    sheet.cell(row=own_row, column=1, value=_text(f"Own rating: {matrix.sub_region['name']}"))
    sheet.cell(row=own_row, column=1).font = styles.header_font
    for column, target in enumerate(targets, start=3):
        overall = target["sub_regions"][index]
        cell = _rating_cell(
            sheet,
            overall_row,
            column,
            overall["rating"],
            styles,
            mark=_own_mark(overall) + ("†" if matrix.unapproved else ""),
        )
        cell.comment = _comment(_overall_comment(overall))
        if overall.get("reported"):
            own = _rating_cell(sheet, own_row, column, overall["reported"], styles)
            if overall.get("reported_reason"):
                own.comment = _comment(overall["reported_reason"])
        else:
            sheet.cell(row=own_row, column=column, value="–").alignment = styles.centre
    sheet.cell(
        row=own_row + 2,
        column=1,
        value=_text(
            f"Return: {matrix.sub_region['return_status_label']}"
            + (" (not yet approved: every rating is marked †)" if matrix.unapproved else "")
            + ". * the sub-region's own rating differs from the rule's, which counts (see the "
            "comment); ✎ the sub-region's own rating stands for a line with no value; ⊘ outside "
            "the target's scope, never counted; – no line: the target is not about the authority."
        ),
    )
    _widths(sheet, {"A": 38, "B": 20})
    for column in range(3, len(names) + 1):
        sheet.column_dimensions[get_column_letter(column)].width = 7


def _lines_sheet(sheet, snapshot: dict, styles) -> None:
    from openpyxl.utils import get_column_letter

    _header(sheet, list(CSV_COLUMNS), styles)
    number_columns = {CSV_COLUMNS.index("actual"), CSV_COLUMNS.index("target_value")}
    date_column = CSV_COLUMNS.index("date_of_data")
    row = 1
    for values in csv_rows(snapshot):
        if values[0] != "authority":
            continue
        row += 1
        for index, value in enumerate(values):
            if index in number_columns:
                value = _number(value)
            elif index == date_column and value:
                value = date.fromisoformat(value)
            cell = sheet.cell(row=row, column=index + 1, value=_text(value))
            if index == date_column and value:
                cell.number_format = "yyyy-mm-dd"
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(CSV_COLUMNS))}{max(row, 1)}"
    widths = {
        "level": 10, "sub_region": 20, "authority": 32, "authority_kind": 12, "target": 7,
        "target_title": 40, "indicator": 10, "period": 11, "date_of_data": 12, "actual": 10,
        "target_value": 10, "status": 8, "computed_rating": 9, "manual_rating": 9,
        "effective_rating": 9, "overridden": 9, "explanation": 60, "manual_reason": 40,
        "comment": 60, "data_status": 11,
    }  # fmt: skip
    for index, name in enumerate(CSV_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = widths[name]


def _lines_by_authority(data: dict) -> dict[str, dict[str, dict]]:
    from authorities.models import AuthorityKind

    kinds = dict(AuthorityKind.choices)
    order = {kind: index for index, kind in enumerate(AuthorityKind.values)}
    result: dict[str, dict[str, dict]] = {}
    for line in data["lines"]:
        authority = result.setdefault(line["sub_region"], {}).setdefault(
            line["authority"],
            {
                "name": line["authority_name"],
                "kind": kinds.get(line["authority_kind"], line["authority_kind"]),
                "order": order.get(line["authority_kind"], 99),
                "by_target": {},
            },
        )
        authority["by_target"][line["target_id"]] = line
    return result


def render_xlsx(snapshot: dict, *, progress: Callable[[int, int], None] | None = None) -> bytes:
    """The workbook. ``progress(done, total)`` is told of each sheet written (the task worker
    shows it on the status page of a large export)."""
    from openpyxl import Workbook

    data = snapshot["data"]
    parts = appendices(data)
    styles = _Styles()
    workbook = Workbook()
    taken: set[str] = set()
    paper_sheet = workbook.active
    paper_sheet.title = _sheet_title("Paper", taken)
    key_sheet = workbook.create_sheet(_sheet_title("Key", taken))
    region_sheet = workbook.create_sheet(_sheet_title("Region", taken))
    lines = _lines_by_authority(data)
    total = len(parts["matrices"]) + 3  # the sub-regions, key and region, lines, paper
    tell = progress or (lambda done, total: None)
    sub_region_sheets = []
    for done, matrix in enumerate(parts["matrices"], start=1):
        sheet = workbook.create_sheet(_sheet_title(matrix.sub_region["name"], taken))
        _sub_region_sheet(sheet, matrix, data, lines, styles)
        sub_region_sheets.append(sheet.title)
        tell(done, total)
    lines_sheet = workbook.create_sheet(_sheet_title("Lines", taken))
    _key_sheet(key_sheet, data["key"], styles)
    _region_sheet(region_sheet, data, styles)
    tell(total - 2, total)
    _lines_sheet(lines_sheet, snapshot, styles)
    tell(total - 1, total)
    _paper_sheet(paper_sheet, snapshot, parts, [sheet.title for sheet in workbook], styles)
    tell(total, total)

    paper = snapshot["paper"]
    built_at = datetime.fromisoformat(snapshot["built_at"])
    properties = workbook.properties
    item = paper.get("agenda_item")
    properties.title = f"Agenda item {item['number']}: {paper['title']}" if item else paper["title"]
    properties.creator = paper["author_name"] or "East Midlands RIEP"
    properties.subject = f"{data['target_set']['title']}, {data['quarter']}"
    properties.created = built_at.astimezone(UTC).replace(tzinfo=None)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

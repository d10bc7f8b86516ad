"""Charts drawn on the server as SVG: pure functions from the dashboards' data to a string.

The same SVG goes into the pages and, unchanged, into the PDF Board papers. Every chart is
readable without colour, so it prints in greyscale and serves colour-blind readers:

* each rating has its own fill pattern as well as its colour (Red: diagonal stripes, Amber:
  dots, Green: solid, Achieved: ticks, not yet due: dashes on white, Grey: cross-hatch, n/a:
  light hatch on white, not rated: blank), and a
  letter or word next to it: the legend, the labels and the badges all carry the text;
* the ``<svg>`` is ``role="img"`` named by its ``<title>`` and described by a ``<desc>`` that
  gives every figure in words (a screen reader reads that, not the drawing);
* no ``style`` attribute or element (the Content Security Policy forbids inline styles): only
  SVG presentation attributes; the page's CSS sizes the chart through the ``chart`` class.

``distribution_chart(counts, ...)`` draws horizontal bars of how many lines (or targets) have
each rating; ``trend_chart(points, ...)`` draws a stacked bar per quarter with the overall
rating as a badge above it; ``ratings_chart(rows, ...)`` draws one stacked horizontal bar per
row (the overview: the targets by rating for the region and each sub-region). Pattern ids
are prefixed with ``chart_id``, so several charts can share a page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .dashboards import Counts, Mark
from .dashboards.target import TrendPoint

__all__ = ["STYLES", "distribution_chart", "ratings_chart", "trend_chart"]

INK = "#1b1f24"
MUTED = "#555d66"
GRID = "#c9ced4"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"


@dataclass(frozen=True)
class Style:
    """How one rating is drawn: colour, pattern, and the colours of its badge."""

    fill: str  # the main colour
    ink: str  # the colour of the pattern's marks
    pattern: str  # "stripes", "dots", "solid", "hatch", "light-hatch", "blank"
    badge_fill: str
    badge_ink: str


STYLES = {
    "R": Style("#b3261e", "#ffffff", "stripes", "#fbe3e1", "#8c1d17"),
    "A": Style("#b45f00", "#ffffff", "dots", "#fdebc8", "#7a3e00"),
    "G": Style("#1e6b34", "#1e6b34", "solid", "#dcefe1", "#1e6b34"),
    # Seed 004's own states: Achieved (beyond Green: checks), not yet due (not missing).
    "ACH": Style("#1d4f91", "#ffffff", "checks", "#dbe9f7", "#123f73"),
    "NYD": Style("#ffffff", "#7a828b", "dashes", "#ffffff", "#555d66"),
    "GREY": Style("#5f6368", "#ffffff", "hatch", "#e6e7e9", "#3c4043"),
    "NA": Style("#ffffff", "#7a828b", "light-hatch", "#ffffff", "#555d66"),
    "none": Style("#ffffff", "#ffffff", "blank", "#ffffff", "#555d66"),
}


def _pattern(chart_id: str, code: str) -> str:
    style = STYLES[code]
    pid = f"{chart_id}-p-{code}"
    head = f'<pattern id="{pid}" width="8" height="8" patternUnits="userSpaceOnUse">'
    base = f'<rect width="8" height="8" fill="{style.fill}"/>'
    marks = {
        "stripes": f'<path d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4" stroke="{style.ink}" '
        'stroke-width="1.6"/>',
        "dots": f'<circle cx="4" cy="4" r="1.6" fill="{style.ink}"/>',
        "solid": "",
        "hatch": f'<path d="M0,4 h8 M4,0 v8" stroke="{style.ink}" stroke-width="1.2"/>',
        "light-hatch": f'<path d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4" stroke="{style.ink}" '
        'stroke-width="0.8"/>',
        "checks": f'<path d="M1,4 l2,2 l4,-4" fill="none" stroke="{style.ink}" '
        'stroke-width="1.2"/>',
        "dashes": f'<path d="M0,4 h3 M5,4 h3" stroke="{style.ink}" stroke-width="1"/>',
        "blank": "",
    }[style.pattern]
    return f"{head}{base}{marks}</pattern>"


def _defs(chart_id: str, codes: Sequence[str]) -> str:
    return "<defs>" + "".join(_pattern(chart_id, code) for code in codes) + "</defs>"


def _fill(chart_id: str, code: str) -> str:
    return f"url(#{chart_id}-p-{code})"


def _text(
    x: float,
    y: float,
    text: str,
    *,
    size: int = 13,
    anchor: str = "start",
    fill: str = INK,
    bold: bool = False,
) -> str:
    weight = ' font-weight="700"' if bold else ""
    return (
        f'<text x="{x:g}" y="{y:g}" font-size="{size}" text-anchor="{anchor}" '
        f'font-family="{FONT}" fill="{fill}"{weight}>{escape(text)}</text>'
    )


def _open(chart_id: str, width: int, height: int, title: str, description: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" focusable="false">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>'
    )


def _word(mark: Mark) -> str:
    return mark.label.split(":")[0]


def _describe_counts(counts: Counts, unit: str) -> str:
    parts = [f"{count} {_word(mark)}" for mark, count in counts.items]
    return f"{counts.total} {unit}: " + ", ".join(parts) + "."


# ------------------------------------------------------------------------------ distribution


def distribution_chart(
    counts: Counts,
    *,
    chart_id: str,
    title: str,
    description: str = "",
    unit: str = "authorities",
) -> SafeString:
    """Horizontal bars: how many have each rating, each bar patterned and labelled.

    ``description`` is put before the figures in the ``<desc>``; the figures are always there.
    """
    items = counts.items
    label_width, bar_width, row_height, top = 170, 300, 34, 10
    width = label_width + bar_width + 70
    height = top * 2 + row_height * len(items)
    most = max((count for _, count in items), default=0) or 1
    desc = f"{description} {_describe_counts(counts, unit)}".strip()
    parts = [
        _open(chart_id, width, height, title, desc),
        _defs(chart_id, [m.code for m, _ in items]),
    ]
    for index, (mark, count) in enumerate(items):
        y = top + index * row_height
        middle = y + row_height / 2
        word = _word(mark)
        parts.append(_text(0, middle + 5, word if word == mark.text else f"{mark.text}  {word}"))
        length = round(bar_width * count / most, 1)
        if count:
            parts.append(
                f'<rect x="{label_width}" y="{y + 6}" width="{max(length, 2):g}" '
                f'height="{row_height - 12}" fill="{_fill(chart_id, mark.code)}" '
                f'stroke="{INK}" stroke-width="1"/>'
            )
        parts.append(_text(label_width + max(length, 2) + 8, middle + 5, str(count)))
    parts.append(
        f'<line x1="{label_width}" y1="{top}" x2="{label_width}" '
        f'y2="{height - top}" stroke="{INK}" stroke-width="1"/>'
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


# ------------------------------------------------------------------------------------ trend

#: Bottom to top in a stacked bar: what is met first, what is not known last. Achieved and not
#: yet due (an improvement plan's, seed 004) are drawn, and in the legend, only where there are
#: any (``_codes``).
STACK = ("ACH", "G", "A", "R", "NYD", "GREY", "NA")
_PLAN_ONLY = {"ACH", "NYD"}


def _codes(points: Sequence[TrendPoint]) -> list[str]:
    """The stack's codes a trend chart shows: R, A, G, Grey, n/a, and Achieved and not yet due
    where any bar has them."""
    used = {mark.code for point in points for mark, count in point.counts.items if count}
    return [code for code in STACK if code not in _PLAN_ONLY or code in used]


def _ticks(most: int) -> list[int]:
    """Up to 5 round gridline values from 0 to at least ``most``."""
    if most <= 0:
        return [0, 1]
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if most / step <= 5:
            break
    top = -(-most // step) * step
    return list(range(0, top + 1, step))


def trend_chart(
    points: Sequence[TrendPoint],
    *,
    chart_id: str,
    title: str,
    description: str = "",
    unit: str = "authorities",
    overall_label: str = "Overall",
) -> SafeString:
    """A stacked bar per quarter (the lines by rating) and the overall rating as a badge.

    Segments tall enough carry their letter and count on a white label; the ``<desc>`` and
    the figures table the pages print under the chart carry every figure.
    """
    left, right, top, plot_height, bottom = 44, 16, 64, 190, 84
    plot_width = max((64 if len(points) <= 12 else 48) * len(points), 440)
    slot = plot_width / max(len(points), 1)  # few quarters: wider slots, bars centred
    width = left + plot_width + right
    codes = _codes(points)
    legend_rows = _legend_rows(codes, width=plot_width)
    height = top + plot_height + bottom + 18 * (len(legend_rows) - 1)
    most = max((point.counts.total for point in points), default=0)
    ticks = _ticks(most)
    scale = plot_height / ticks[-1]
    base = top + plot_height

    described = []
    for point in points:
        figures = ", ".join(f"{count} {_word(mark)}" for mark, count in point.counts.items if count)
        returns = "" if point.has_returns else " (no return)"
        if point.overall.data.marked:
            returns += f" ({point.overall.data.text})"
        described.append(
            f"{point.quarter}{returns}: {overall_label.lower()} {_word(point.overall.mark)}; "
            f"{figures or 'no ' + unit}"
        )
    desc = f"{description} " if description else ""
    desc += ("Quarter by quarter: " + "; ".join(described) + ".") if described else "No quarters."

    parts = [_open(chart_id, width, height, title, desc), _defs(chart_id, [*codes, "none"])]
    caption = f"{overall_label} rating above each bar; {unit} by rating in the bar"
    parts.append(_text(4, 14, caption, size=11, fill=MUTED))
    for tick in ticks:
        y = base - tick * scale
        parts.append(
            f'<line x1="{left}" y1="{y:g}" x2="{left + plot_width}" y2="{y:g}" '
            f'stroke="{GRID}" stroke-width="1"/>'
        )
        parts.append(_text(left - 6, y + 4, str(tick), size=11, anchor="end"))
    bar = min(slot * 0.6, 44)
    for index, point in enumerate(points):
        x = left + index * slot + (slot - bar) / 2
        middle = x + bar / 2
        parts.extend(_stack(chart_id, point.counts, x=x, bar=bar, base=base, scale=scale))
        if not point.counts.total:
            parts.append(_text(middle, base - 6, "none", size=10, anchor="middle"))
        parts.append(_badge(point.overall.mark, middle=middle, y=top - 32))
        quarter = point.quarter
        parts.append(_text(middle, base + 18, f"Q{quarter.quarter}", size=12, anchor="middle"))
        year = f"{quarter.year}/{(quarter.year + 1) % 100:02d}"
        parts.append(_text(middle, base + 33, year, size=11, anchor="middle", fill=MUTED))
        if not point.has_returns:
            parts.append(_text(middle, base + 47, "no return", size=10, anchor="middle"))
        elif point.overall.data.marked:
            # Resting on a return not yet approved: said under the quarter, in words.
            word = f"incl. {point.overall.data.word}"
            parts.append(_text(middle, base + 47, word, size=10, anchor="middle"))
    parts.append(
        f'<line x1="{left}" y1="{base}" x2="{left + plot_width}" y2="{base}" '
        f'stroke="{INK}" stroke-width="1"/>'
    )
    for number, row in enumerate(legend_rows):
        y = height - 8 - 18 * (len(legend_rows) - 1 - number)
        parts.append(_legend(chart_id, row, x=left, y=y))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def _stack(chart_id: str, counts: Counts, *, x: float, bar: float, base: float, scale: float):
    """The segments of one stacked bar, bottom to top, labelled where they are tall enough."""
    by_code = {mark.code: count for mark, count in counts.items}
    y = base
    for code in STACK:
        count = by_code.get(code, 0)
        if not count:
            continue
        tall = count * scale
        y -= tall
        yield (
            f'<rect x="{x:g}" y="{y:g}" width="{bar:g}" height="{tall:g}" '
            f'fill="{_fill(chart_id, code)}" stroke="{INK}" stroke-width="1"/>'
        )
        if tall >= 18:
            label = f"{Mark(code).text} {count}"
            wide = 7 * len(label) + 6
            yield (
                f'<rect x="{x + bar / 2 - wide / 2:g}" y="{y + tall / 2 - 8:g}" width="{wide}" '
                f'height="16" rx="3" fill="#ffffff" stroke="{INK}" stroke-width="0.5"/>'
            )
            yield _text(x + bar / 2, y + tall / 2 + 4, label, size=11, anchor="middle")


def _badge(mark: Mark, *, middle: float, y: float) -> str:
    """The overall rating above a bar: its letter on its light colour, dashed when unknown."""
    style = STYLES[mark.code]
    wide = 26 if len(mark.text) == 1 else 40
    dashed = ' stroke-dasharray="3 2"' if mark.code in {"GREY", "none"} else ""
    return (
        f'<rect x="{middle - wide / 2:g}" y="{y:g}" width="{wide}" height="22" rx="4" '
        f'fill="{style.badge_fill}" stroke="{style.badge_ink}" stroke-width="1.5"{dashed}/>'
        + _text(middle, y + 16, mark.text, anchor="middle", fill=style.badge_ink, bold=True)
    )


def _legend_text(code: str) -> str:
    mark = Mark(code)
    word = _word(mark)
    return word if word == mark.text else f"{mark.text} {word}"


def _legend_width(code: str) -> float:
    return 18 + 6.5 * len(_legend_text(code)) + 14


def _legend_rows(codes: Sequence[str], *, width: float) -> list[list[str]]:
    """The legend's swatches in rows that fit the plot's width (one row for R, A, G, Grey and
    n/a; a second where an improvement plan adds Achieved and not yet due)."""
    rows: list[list[str]] = [[]]
    used = 0.0
    for code in codes:
        wide = _legend_width(code)
        if rows[-1] and used + wide > width:
            rows.append([])
            used = 0.0
        rows[-1].append(code)
        used += wide
    return rows


def _legend(chart_id: str, codes: Sequence[str], *, x: float, y: float) -> str:
    """A swatch with its pattern and its word for each rating a bar may show."""
    parts = []
    for code in codes:
        text = _legend_text(code)
        parts.append(
            f'<rect x="{x:g}" y="{y - 10:g}" width="14" height="12" '
            f'fill="{_fill(chart_id, code)}" stroke="{INK}" stroke-width="1"/>'
        )
        parts.append(_text(x + 18, y, text, size=11))
        x += 18 + 6.5 * len(text) + 14
    return "".join(parts)


# --------------------------------------------------------------------------------- ratings

#: Left to right in a summary bar: what is met first, what cannot be rated last.
ROW_STACK = ("G", "A", "R", "GREY", "NA", "none")


def ratings_chart(
    rows: Sequence[tuple[str, Counts] | tuple[str, Counts, str]],
    *,
    chart_id: str,
    title: str,
    description: str = "",
    unit: str = "targets",
) -> SafeString:
    """One stacked horizontal bar per row (label, counts[, note]): each segment patterned,
    with its letter and count inside when wide enough, and every non-zero count in letters
    after the bar, so that nothing rests on colour. All bars share one scale (the largest
    total). A row's note ("submitted") is printed under its label."""
    label_width, bar_width, tail, row_height, top = 170, 260, 118, 36, 8
    width = label_width + bar_width + tail
    legend_height = 40
    height = top + row_height * len(rows) + legend_height
    most = max((row[1].total for row in rows), default=0) or 1
    described = []
    for row in rows:
        label, counts, note = row[0], row[1], (row[2] if len(row) > 2 else "")
        figures = ", ".join(f"{count} {_word(mark)}" for mark, count in counts.items if count)
        described.append(f"{label}{f' ({note})' if note else ''}: {figures or 'none'}")
    desc = f"{description} " if description else ""
    desc += ("; ".join(described) + ".") if described else f"No {unit}."
    parts = [_open(chart_id, width, height, title, desc), _defs(chart_id, list(ROW_STACK))]
    for index, row in enumerate(rows):
        label, counts, note = row[0], row[1], (row[2] if len(row) > 2 else "")
        y = top + index * row_height
        middle = y + row_height / 2
        if note:
            parts.append(_text(label_width - 8, middle - 2, _fit(label, 24), anchor="end"))
            parts.append(
                _text(label_width - 8, middle + 11, note, size=10, anchor="end", fill=MUTED)
            )
        else:
            parts.append(_text(label_width - 8, middle + 4, _fit(label, 24), anchor="end"))
        by_code = {mark.code: count for mark, count in counts.items}
        x = float(label_width)
        for code in ROW_STACK:
            count = by_code.get(code, 0)
            if not count:
                continue
            wide = bar_width * count / most
            parts.append(
                f'<rect x="{x:g}" y="{y + 5:g}" width="{wide:g}" height="{row_height - 10}" '
                f'fill="{_fill(chart_id, code)}" stroke="{INK}" stroke-width="1"/>'
            )
            text = f"{Mark(code).text} {count}"
            label_wide = 7 * len(text) + 6
            if wide >= label_wide + 4:
                parts.append(
                    f'<rect x="{x + wide / 2 - label_wide / 2:g}" y="{middle - 8:g}" '
                    f'width="{label_wide}" height="16" rx="3" fill="#ffffff" stroke="{INK}" '
                    'stroke-width="0.5"/>'
                )
                parts.append(_text(x + wide / 2, middle + 4, text, size=11, anchor="middle"))
            x += wide
        summary = " ".join(f"{mark.text}{count}" for mark, count in counts.items if count)
        parts.append(_text(label_width + bar_width + 6, middle + 4, summary or "none", size=11))
    parts.append(
        f'<line x1="{label_width}" y1="{top}" x2="{label_width}" '
        f'y2="{top + row_height * len(rows)}" stroke="{INK}" stroke-width="1"/>'
    )
    legend_top = top + row_height * len(rows) + 18
    parts.append(_row_legend(chart_id, x=8, y=legend_top, width=width))
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above is escaped


def _fit(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def _row_legend(chart_id: str, *, x: float, y: float, width: float) -> str:
    """The swatches and words of the ratings, on as many lines as the width needs."""
    parts = []
    start = x
    for code in ROW_STACK:
        mark = Mark(code)
        word = _word(mark)
        text = word if word == mark.text else f"{mark.text} {word}"
        if x + 18 + 6.5 * len(text) > width:
            x, y = start, y + 16
        parts.append(
            f'<rect x="{x:g}" y="{y - 10:g}" width="14" height="12" '
            f'fill="{_fill(chart_id, code)}" stroke="{INK}" stroke-width="1"/>'
        )
        parts.append(_text(x + 18, y, text, size=11))
        x += 18 + 6.5 * len(text) + 14
    return "".join(parts)

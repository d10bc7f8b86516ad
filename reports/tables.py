"""The sortable list of a target page (django-tables2): every authority's value against its target.

The big matrices (the overview, a sub-region, an authority's quarters) are not tables2 tables:
they are plain template loops over the rows ``reports.dashboards`` built, because tables2's
per-cell rendering costs about ten times a plain loop (docs/benchmarks.md). A list of one row
per authority is what tables2 is for: sortable columns, no JavaScript.

The rows are ``reports.dashboards.AuthorityLine``; every column sorts on a key that is never
None (so "no value" sorts after the values, whatever the direction of the measure).
"""

from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html

from .dashboards.target import AuthorityLine


def _value_key(line: AuthorityLine):
    cell = line.cell
    return (cell.actual is None, cell.actual if cell.actual is not None else 0)


class LineTable(tables.Table):
    """One row per authority: value, target, where it stands, rating, date of data."""

    authority = tables.Column(
        verbose_name="Authority",
        accessor="authority__name",
        order_by=("authority__sort_key",),
        attrs={"th": {"scope": "col"}},
    )
    sub_region = tables.Column(verbose_name="Sub-region", attrs={"th": {"scope": "col"}})
    kind = tables.Column(
        verbose_name="Kind", accessor="authority__kind_label", attrs={"th": {"scope": "col"}}
    )
    value = tables.Column(
        verbose_name="Value",
        accessor="cell__short_text",
        order_by=("value_key",),
        attrs={"th": {"scope": "col"}, "td": {"class": "num"}},
    )
    target = tables.Column(
        verbose_name="Target",
        accessor="cell__target_text",
        orderable=False,
        attrs={"th": {"scope": "col"}},
    )
    status = tables.Column(
        verbose_name="Against tolerance",
        accessor="cell__status_text",
        attrs={"th": {"scope": "col"}},
    )
    rating = tables.Column(
        verbose_name="Rating",
        accessor="cell__mark__label",
        order_by=("cell__mark__rank", "authority__sort_key"),
        attrs={"th": {"scope": "col"}},
    )
    date_of_data = tables.DateColumn(
        verbose_name="Date of data",
        accessor="cell__date_of_data",
        format="j M Y",
        order_by=("date_key",),
        attrs={"th": {"scope": "col"}},
    )
    why = tables.Column(
        verbose_name="Why",
        accessor="cell__explanation",
        orderable=False,
        empty_values=(),
        attrs={"th": {"scope": "col"}},
    )

    class Meta:
        attrs = {"class": "data-table line-table"}
        template_name = "reports/dashboards/_table.html"
        empty_text = "No authority matches these filters."
        order_by = ("authority",)

    def __init__(self, data, *, caption: str, query: str = "", **kwargs):
        rows = [
            {
                "authority": line.authority,
                "sub_region": line.sub_region,
                "cell": line.cell,
                "value_key": _value_key(line),
                "date_key": (line.cell.date_of_data is None, line.cell.date_of_data or 0),
                "line": line,
            }
            for line in data
        ]
        # In the default order already: tables2 sorts on construction by comparing rows through
        # their accessors, and on rows already in order that is one comparison per row instead
        # of n log n (the sort was a quarter of the target page's work nationally).
        rows.sort(key=lambda row: row["authority"].sort_key)
        super().__init__(rows, **kwargs)
        self.caption = caption
        self.query = query  # the reader's choices, kept by the links (reports.filters)

    def render_authority(self, record):
        authority = record["authority"]
        url = f"{authority.url}?{self.query}" if self.query else authority.url
        return format_html('<a href="{}">{}</a>', url, authority.name)

    def render_value(self, record):
        cell = record["cell"]
        if cell.actual is None:
            return format_html(
                '<span class="state state--{}">{}</span>', cell.state, cell.short_text
            )
        return cell.value_text

    def render_status(self, record):
        return record["cell"].status_text or "—"

    def render_rating(self, record):
        cell = record["cell"]
        marker = ""
        if cell.overridden:
            marker = format_html(
                ' <span class="hand" title="{}"><span aria-hidden="true">✎</span> by hand'
                '<span class="visually-hidden">: the sub-region rated it {} by hand</span></span>',
                f"The sub-region rated it {cell.manual.label} by hand; the rule's "
                f"{cell.computed.label} stands",
                cell.manual.label,
            )
        if cell.data.marked:
            marker = format_html(
                '{} <span class="{}">{}<span class="visually-hidden">: {}</span></span>',
                marker,
                cell.data.css,
                cell.data.word,
                cell.data.text,
            )
        return format_html(
            '<span class="{}">{}<span class="visually-hidden"> ({})</span></span>{}',
            cell.mark.css,
            cell.mark.text,
            cell.mark.label,
            marker,
        )

    def render_why(self, record):
        cell = record["cell"]
        parts = [cell.explanation]
        if cell.overridden:
            parts.append(
                f"The sub-region rated it {cell.manual.label} by hand: {cell.manual_reason}"
            )
        if cell.comment:
            parts.append(f"Comment: {cell.comment}")
        summary = format_html(
            '<summary>Why<span class="visually-hidden">: {}</span></summary>',
            record["authority"].name,
        )
        body = format_html("".join("<p>{}</p>" for _ in parts), *parts)
        link = (
            format_html('<p><a href="{}">The line and its history</a></p>', cell.line_url)
            if cell.line_url
            else ""
        )
        return format_html('<details class="why">{}{}{}</details>', summary, body, link)

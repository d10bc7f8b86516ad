"""reports.charts: SVG that is well formed, named and described, and readable without colour."""

from __future__ import annotations

import re

import pytest
from defusedxml import ElementTree

from reports.charts import STYLES, distribution_chart, ratings_chart, trend_chart
from reports.dashboards import Counts, Mark, OverallCell, TrendPoint
from returns.periods import Quarter

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str):
    return ElementTree.fromstring(svg)


def texts(root) -> list[str]:
    return [element.text for element in root.iter(f"{SVG}text") if element.text]


def point(quarter: Quarter, overall: str | None, has_returns: bool = True, **counts) -> TrendPoint:
    return TrendPoint(
        quarter=quarter,
        counts=Counts(**counts),
        overall=OverallCell(mark=Mark.of(overall), explanation="", counts=Counts()),
        has_returns=has_returns,
    )


def test_distribution_chart_is_named_described_and_labelled():
    svg = distribution_chart(
        Counts(red=10, amber=30, green=7, grey=3),
        chart_id="dist",
        title="Ratings of target 5",
        description="For the region.",
    )
    root = parse(svg)

    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "dist-title dist-desc"
    assert root.find(f"{SVG}title").text == "Ratings of target 5"
    assert root.find(f"{SVG}desc").text == (
        "For the region. 50 authorities: 10 Red, 30 Amber, 7 Green, 3 Grey."
    )
    labels = texts(root)
    assert [t for t in labels if not t.isdigit()] == ["R  Red", "A  Amber", "G  Green", "Grey"]
    assert [t for t in labels if t.isdigit()] == ["10", "30", "7", "3"]


def test_every_rating_has_its_own_pattern_not_only_its_colour():
    svg = distribution_chart(
        Counts(red=1, amber=1, green=1, grey=1, not_applicable=1, not_rated=1),
        chart_id="all",
        title="All",
    )
    root = parse(svg)

    patterns = {p.get("id"): p for p in root.iter(f"{SVG}pattern")}
    assert set(patterns) == {f"all-p-{code}" for code in ("R", "A", "G", "GREY", "NA", "none")}
    kinds = {style.pattern for style in STYLES.values()}
    assert len(kinds) == len(STYLES)  # no two ratings share a pattern
    fills = {rect.get("fill") for rect in root.iter(f"{SVG}rect") if "url(" in rect.get("fill")}
    assert fills == {f"url(#all-p-{code})" for code in ("R", "A", "G", "GREY", "NA", "none")}


def test_trend_chart_has_a_bar_a_badge_and_labels_per_quarter():
    points = [
        point(Quarter(2009, 2), "R", red=1, green=2, grey=2),
        point(Quarter(2009, 3), "A", red=0, amber=3, green=2),
        point(Quarter(2009, 4), "GREY", has_returns=False, grey=5),
    ]

    root = parse(trend_chart(points, chart_id="trend", title="Target 1", overall_label="Region"))

    labels = texts(root)
    assert labels.count("Q2") == labels.count("Q3") == labels.count("Q4") == 1
    assert labels.count("2009/10") == 3
    assert "no return" in labels
    # The badges: the overall rating's letter above each bar.
    badges = [e.text for e in root.iter(f"{SVG}text") if e.get("font-weight") == "700"]
    assert badges == ["R", "A", "Grey"]
    desc = root.find(f"{SVG}desc").text
    assert desc.startswith("Quarter by quarter: 2009/10 Q2: region Red; 1 Red, 2 Green, 2 Grey;")
    assert "2009/10 Q4 (no return): region Grey; 5 Grey." in desc
    assert "A 3" in labels  # a segment tall enough carries its letter and count


def test_charts_use_no_style_attribute_or_element():
    svg = str(trend_chart([point(Quarter(2009, 3), "G", green=3)], chart_id="t", title="T"))
    svg += str(distribution_chart(Counts(green=3), chart_id="d", title="D"))

    assert "style=" not in svg
    assert "<style" not in svg
    assert "<script" not in svg


def test_text_is_escaped():
    svg = distribution_chart(Counts(red=1), chart_id="x", title='<b>"R&D"</b>', description="<i>")

    assert "<b>" not in svg
    assert "&lt;b&gt;" in svg
    parse(svg)  # still well-formed


@pytest.mark.parametrize("quarters", [1, 4, 16])
def test_trend_chart_is_well_formed_for_any_number_of_quarters(quarters):
    points = [point(Quarter.from_index(8036 + i), "G", green=i + 1) for i in range(quarters)]

    root = parse(trend_chart(points, chart_id="t", title="T"))

    width = int(root.get("width"))
    assert width == int(re.match(r"0 0 (\d+)", root.get("viewBox"))[1])
    assert width >= 500


def test_an_empty_trend_is_still_a_chart():
    root = parse(trend_chart([], chart_id="t", title="Nothing yet"))

    assert root.find(f"{SVG}desc").text == "No quarters."


def test_ratings_chart_has_a_labelled_patterned_bar_per_row():
    rows = [
        ("Region", Counts(red=6, amber=5, green=1), "incl. submitted"),
        ("Derbyshire", Counts(red=2, amber=6, green=4)),
        ("Nottinghamshire", Counts(grey=12), ""),
    ]

    root = parse(ratings_chart(rows, chart_id="summary", title="Targets by overall rating"))

    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Targets by overall rating"
    desc = root.find(f"{SVG}desc").text
    assert "Region (incl. submitted): 6 Red, 5 Amber, 1 Green" in desc
    assert "Derbyshire: 2 Red, 6 Amber, 4 Green" in desc
    assert "Nottinghamshire: 12 Grey" in desc
    labels = texts(root)
    # Each row: its name, its note, and every non-zero count in letters after the bar.
    assert {"Region", "incl. submitted", "Derbyshire", "Nottinghamshire"} <= set(labels)
    assert {"R6 A5 G1", "R2 A6 G4", "Grey12"} <= set(labels)
    # Wide segments carry their letter and count; each is filled with its rating's pattern.
    assert {"R 6", "A 5", "A 6", "G 4", "Grey 12"} <= set(labels)
    fills = {rect.get("fill") for rect in root.iter(f"{SVG}rect") if "url(" in rect.get("fill")}
    assert {"url(#summary-p-R)", "url(#summary-p-A)", "url(#summary-p-G)"} <= fills
    assert "url(#summary-p-GREY)" in fills
    # The key names every rating by its letter and word (the chart reads in greyscale).
    assert {"R Red", "A Amber", "G Green", "Grey", "n/a Not applicable"} <= set(labels)
    assert "style=" not in str(ratings_chart(rows, chart_id="s", title="S"))


def test_ratings_chart_bars_share_one_scale():
    root = parse(
        ratings_chart(
            [("A", Counts(green=10)), ("B", Counts(green=5))], chart_id="c", title="Scale"
        )
    )

    widths = [
        float(rect.get("width"))
        for rect in root.iter(f"{SVG}rect")
        if rect.get("fill") == "url(#c-p-G)" and rect.get("height") != "12"
    ]
    assert widths[0] == pytest.approx(2 * widths[1])


def test_a_trend_point_resting_on_a_return_not_yet_approved_says_so():
    from reports.dashboards.status import DataStatus

    marked = TrendPoint(
        quarter=Quarter(2009, 3),
        counts=Counts(amber=2),
        overall=OverallCell(
            mark=Mark.of("A"),
            explanation="",
            counts=Counts(),
            data=DataStatus((("submitted", 1),)),
        ),
        has_returns=True,
    )

    root = parse(
        trend_chart([point(Quarter(2009, 2), "G", green=2), marked], chart_id="t", title="T")
    )

    assert texts(root).count("incl. submitted") == 1
    assert (
        "2009/10 Q3 (rests on 1 submitted return, not yet approved)" in root.find(f"{SVG}desc").text
    )

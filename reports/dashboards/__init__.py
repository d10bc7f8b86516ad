"""The dashboards' data: plain dataclasses, built once, handed to every renderer.

The HTML pages (reports/views.py), the JSON API (riep/api/dashboards.py) and the Board papers
all take what these builders return, so that they show the same figures with the same
explanations. The builders know nothing of requests or HTTP: they take a user (whose access
decides what they may see), model instances, a ``Filters`` and a basis (approved returns only,
or all), and return dataclasses. One module per page:

* ``overview``   — the regional overview: targets by theme × the sub-regions and the region,
  counts, completeness and a one-line headline.
* ``sub_region`` — one sub-region: authorities × targets, each cell a ``LineCell``.
* ``target``     — one target: every authority's line, the distribution of ratings, the trend
  across quarters, the rule in words, the lineage across target sets and the re-ratings.
* ``authority``  — one authority: all the targets of a set, quarter by quarter.
* ``comparison`` — two quarters side by side, with the movement of each rating.

Where the figures come from
---------------------------
Nothing here rates anything. Lines carry the rating the engine gave them when they were
written (returns.rating), and overall ratings are the stored ones (returns.overall), read
through the read layer (returns.selectors), so every page reads a bounded number of rows
whatever the amount of data behind them. A filter by kind of authority aggregates the
quarter's stored line ratings of that kind with the engine (bounded by the authorities shown).

Access: what ``returns.access.scope_of`` lets the user see. The Board, the Director and
administrators see the whole region; a programme manager sees their own sub-region only, in
every view and in the "region" figures (which then say they are over that sub-region only, and
the pages hide the region column). Another sub-region's page, or an authority of another
sub-region, is ``NotVisible`` (the views answer 404).

Filters (``Filters``): ``theme`` keeps one theme's targets; ``sub_region`` one sub-region's
column (the overview and comparison) or its authorities (target); ``kind`` the authorities of
one kind, with the overall ratings aggregated over them ("Region, district councils only");
``rating`` keeps what is so rated (the targets on the overview, the authorities on a
sub-region, the lines on a target, the targets in the latest quarter on an authority, the
targets in the later quarter on the comparison).
"""

from .authority import AuthorityTargetRow, AuthorityView, authority_for_page, build_authority
from .cells import (
    MARKS,
    Counts,
    Filters,
    LineCell,
    Mark,
    Movement,
    NotVisible,
    OverallCell,
    headline,
    movement,
)
from .comparison import CompareCell, CompareRow, Comparison, build_comparison
from .facts import (
    AuthorityInfo,
    SetInfo,
    SubRegionInfo,
    TargetInfo,
)
from .overview import Completeness, Overview, TargetRow, build_overview
from .sub_region import AuthorityRow, SubRegionView, build_sub_region
from .target import (
    MAX_QUARTERS,
    AuthorityLine,
    LinkedTarget,
    RerateInfo,
    TargetView,
    TrendPoint,
    build_target,
    lineage,
    quarter_range,
    target_for_page,
)

__all__ = [
    "MARKS",
    "MAX_QUARTERS",
    "AuthorityInfo",
    "AuthorityLine",
    "AuthorityRow",
    "AuthorityTargetRow",
    "AuthorityView",
    "CompareCell",
    "CompareRow",
    "Comparison",
    "Completeness",
    "Counts",
    "Filters",
    "LineCell",
    "LinkedTarget",
    "Mark",
    "Movement",
    "NotVisible",
    "OverallCell",
    "Overview",
    "RerateInfo",
    "SetInfo",
    "SubRegionInfo",
    "SubRegionView",
    "TargetInfo",
    "TargetRow",
    "TargetView",
    "TrendPoint",
    "authority_for_page",
    "build_authority",
    "build_comparison",
    "build_overview",
    "build_sub_region",
    "build_target",
    "headline",
    "lineage",
    "movement",
    "quarter_range",
    "target_for_page",
]

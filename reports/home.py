"""What the home page shows from the reports app: the Board member's latest issued paper and
headline, and the Director's papers in draft for the next meeting (riep.views.HomeView).

Only public functions of the dashboards (reports.dashboards.build_overview) and of the filters
(reports.filters.load_options: the dashboards' default set and quarter) are called, so the
home page's headline is the overview's own, for the same quarter the overview opens on.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Prefetch
from django.urls import reverse
from django.utils.http import urlencode

from returns.models import Basis, ReturnStatus
from returns.periods import Quarter
from returns.selectors import quarters_with_returns

from .dashboards import build_overview
from .filters import load_options
from .models import AgendaItem, IssuedPaper, Meeting, Paper
from .regions import meetings_of, papers_of


@dataclass(frozen=True)
class Headline:
    """The overview's headline for a quarter, with the link to the overview itself."""

    target_set: str
    quarter: Quarter
    text: str
    url: str
    approved: int  # returns approved in the quarter
    returns: int  # returns made in the quarter


@dataclass(frozen=True)
class BoardHome:
    latest_issue: IssuedPaper | None
    headline: Headline | None
    papers_url: str


def latest_issue(user) -> IssuedPaper | None:
    """The paper issued last (its PDF and snapshot are not read), if the user may read one."""
    if not user.has_perm("reports.view_issuedpaper"):
        return None
    return (
        papers_of(user, IssuedPaper.objects.all(), "paper__agenda_item__meeting")
        .select_related("paper__agenda_item__meeting")
        .defer("pdf", "snapshot")
        .order_by("-issued_at", "-number")
        .first()
    )


def approved_headline(user) -> Headline | None:
    """The overview's headline, on approved returns only, for the dashboards' default set and
    quarter (the latest quarter with an approved return); None when nothing is approved."""
    options = load_options(user)
    target_set = options.default_set()
    if target_set is None:
        return None
    approved = quarters_with_returns(
        user=user, target_set_id=target_set.pk, status=ReturnStatus.APPROVED
    )
    quarter = options.latest_quarter(target_set)
    if quarter is None or quarter not in approved:
        quarter = approved[0] if approved else None
    if quarter is None:
        return None
    overview = build_overview(
        user=user, target_set=target_set, quarter=quarter, basis=Basis.APPROVED
    )
    query = urlencode(
        {"target_set": target_set.slug, "period": quarter.label, "basis": Basis.APPROVED}
    )
    return Headline(
        target_set=target_set.title,
        quarter=quarter,
        text=overview.headline,
        url=f"{reverse('reports:overview')}?{query}",
        approved=overview.returns_approved,
        returns=overview.returns_made,
    )


def board_home(user) -> BoardHome:
    return BoardHome(
        latest_issue=latest_issue(user),
        headline=approved_headline(user),
        papers_url=reverse("papers:index"),
    )


@dataclass(frozen=True)
class DraftPapers:
    """The papers not issued yet for the next meeting (or, with no meeting ahead, for the
    latest one, which has passed)."""

    meeting: Meeting | None
    papers: list[Paper]
    upcoming: bool


def draft_papers(*, user, today: date) -> DraftPapers:
    """Papers without an issue, of the user's region's next meeting from ``today`` on (two
    queries)."""
    unissued = Paper.objects.filter(issues__isnull=True).select_related("agenda_item")
    meetings = list(
        meetings_of(user)
        .filter(items__paper__in=unissued)
        .distinct()
        .order_by("date")
        .prefetch_related(
            Prefetch(
                "items",
                queryset=AgendaItem.objects.filter(paper__in=unissued)
                .select_related("paper")
                .order_by("number"),
                to_attr="unissued_items",
            )
        )
    )
    if not meetings:
        return DraftPapers(meeting=None, papers=[], upcoming=False)
    ahead = [meeting for meeting in meetings if meeting.date >= today]
    meeting = ahead[0] if ahead else meetings[-1]
    return DraftPapers(
        meeting=meeting,
        papers=[item.paper for item in meeting.unissued_items],
        upcoming=bool(ahead),
    )

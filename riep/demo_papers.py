"""The demo's Board paper: the 20 January 2010 Board meeting and its agenda item 8, the
Director's report "EM IEP Stretch Targets Review" (seed 002), as a draft on the December 2009
demo returns (2009/10 Q3, the 12 stretch targets).

``ensure_demo_papers()`` creates, if missing:

* the meeting: Board, 20 January 2010, 10.00am, "Pera, Lane Fox Room, Melton Mowbray" (seed 002,
  the agenda's cover page);
* its agenda items 1-13, titled as on that agenda;
* for item 8, a draft "Report of the Director" by the demo Director, about the stretch targets
  in 2009/10 Q3, whose sections are the paper's own text, §1-4 (seed 002, agenda item 8). The
  paper numbers two paragraphs 3.2 and two 4.1; the product numbers paragraphs itself, so they
  read 3.1-3.5 and 4.1-4.2 here. "(attached as appendix 1)" then points at the pack's Appendix 1,
  the regional overview of the sub-regions' returns.

Idempotent, and it never overwrites: an existing meeting, agenda item or paper (the Director
may have edited it) is left as it is. Local demo only (``DEMO_DATA_ALLOWED``).
"""

from __future__ import annotations

from datetime import date, time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from reports.models import AgendaItem, Meeting, Paper
from reports.papers.services import start_paper
from targets.models import TargetSet

SOURCE = "seed 002, agenda item 8 (Board meeting of 20 January 2010), §1-4"
MEETING_DATE = date(2010, 1, 20)
VENUE = "Pera, Lane Fox Room, Melton Mowbray"
#: The agenda of the 20 January 2010 Board meeting (seed 002, cover page).
AGENDA = (
    "Apologies",
    "Minutes of the meeting held on the 27th November 2009",
    "Matters arising",
    "Declarations of interest",
    "Re-Submission of SRP 2009/10 Efficiency and Transformation Capital Projects",
    "Procurement Programme Report",
    "Efficiency Challenge Programme Report",
    "EM IEP Stretch Targets Review Report and Presentation",
    "EM IEP Sub Regional Programmes Review Report",
    "Regional Programme Managers 2010/11 Report",
    "EM IEP Annual Conference Report",
    "EM IEP Perception Survey 2009",
    "EM IEP Interim Report January 2010",
)
ITEM = 8
TITLE = "EM IEP Stretch Targets Review"
TARGET_SET = "stretch-targets"
YEAR, QUARTER = 2009, 3
DIRECTOR = "director"

#: Seed 002, agenda item 8, §1-4, as printed (the typed numbers are replaced when rendered).
SECTIONS = (
    (
        "Purpose of the report",
        "1.1 To provide the Board with an overview of the outcomes of the email consultation "
        "exercise to review the 12 Stretch Targets.",
    ),
    (
        "Background",
        "2.1 The Board had previously agreed that the 12 Stretch Targets would be reviewed in "
        "light of the new inspection regime. The Board agreed at their meeting on 27th November "
        "that the SRP programme managers refresh the RAG ratings, previously provided to the "
        "Board, after publication of the CAA results on 9th December 2009. This would provide "
        "an interim reflection on performance of the region against achieving the 12 stretch "
        "Targets in March 2011.",
    ),
    (
        "Steering Group Comments",
        "3.1 The Steering Group were advised that SRP returns against the 12 Stretch Targets "
        "(attached as appendix 1) show inconsistency in the allocating of the RAG ratings. This "
        "inconsistency is caused by the interpretation of progress in achieving the target by "
        "March 2010.\n\n"
        "3.2 The Steering Group considered whether the current 12 targets were the right "
        "measures of the EM IEP's performance and what was the benefit of this performance "
        "information balanced against the time and effort involved in the collection of the "
        "data.\n\n"
        "3.2 The Steering Group agreed that the EM IEP should retain some targets to ensure "
        "that evidence can be provided to CLG of the added value of the EM IEP. It was agreed "
        "that the revised targets should reflect the 4 reporting requirements currently "
        "required by CLG by evidencing:\n"
        "1. Sector Lead Improvement\n"
        "2. Return on Investment\n"
        "3. NI179 Cashable Savings\n"
        "4. Supporting LAs and Partners to deliver excellent LAAs\n\n"
        "3.3 The Steering Group agreed that 'green flags' should be acknowledged and celebrated "
        "more by the EM IEP and LAs.\n\n"
        "3.4 The Steering Group agreed to recommend to the Board that a small sub group is "
        "established to develop the detail of the revised targets.",
    ),
    (
        "Recommendations",
        "4.1 The Board approve the recommendation of the Steering Group to revise the targets "
        "to reflect the 4 reporting requirements currently required by CLG as outlined in the "
        "report.\n\n"
        "4.1 The Board approve the recommendation of the Steering Group to establish a small "
        "sub group to develop the detail of the revised targets to be presented to the next "
        "Board meeting in April.",
    ),
)


@transaction.atomic
def ensure_demo_papers() -> str:
    """Create the demo meeting, agenda and draft paper where missing; say what was done."""
    if not settings.DEMO_DATA_ALLOWED:
        raise ImproperlyConfigured("Demo papers are only created in a local demo database.")
    director = get_user_model().objects.filter(username=DIRECTOR).first()
    target_set = TargetSet.objects.filter(slug=TARGET_SET).first()
    if director is None or target_set is None:
        return "Demo paper not created: run load_reference_data and create the demo users first."
    meeting, meeting_created = Meeting.objects.get_or_create(
        region=target_set.region,  # the East Midlands Board
        body="Board",
        date=MEETING_DATE,
        defaults={"starts_at": time(10, 0), "venue": VENUE},
    )
    for number, title in enumerate(AGENDA, start=1):
        AgendaItem.objects.get_or_create(meeting=meeting, number=number, defaults={"title": title})
    item = AgendaItem.objects.get(meeting=meeting, number=ITEM)
    if Paper.objects.filter(agenda_item=item).exists():
        return f"Demo paper: {meeting}, agenda item {ITEM} already has its paper (left as it is)."
    start_paper(
        agenda_item=item,
        title=TITLE,
        target_set=target_set,
        year=YEAR,
        quarter=QUARTER,
        author=director,
        author_name=director.get_full_name() or "Chris Allison",
        author_title="Director EM IEP",
        sections=SECTIONS,
    )
    made = "meeting, agenda and " if meeting_created else ""
    return f"Demo paper: created the {made}draft report for {meeting}, item {ITEM} ({SOURCE})."

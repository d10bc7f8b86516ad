"""The Board papers' writes (reports.papers.services), called directly: checked, atomic, audited."""

from __future__ import annotations

import json
from datetime import date, time

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core.exceptions import ValidationError

from reports.models import DEFAULT_SECTIONS, AgendaItem, Meeting, Paper, Section
from reports.papers import services
from reports.papers.services import SectionEdit, StalePaper
from tests.reports import test_papers_support as support

pytestmark = pytest.mark.django_db

# Fixtures shared with the other test_papers_* modules.
small = support.small


def _log(obj) -> list[LogEntry]:
    return list(
        LogEntry.objects.filter(
            object_id=str(obj.pk), content_type__model=obj._meta.model_name
        ).order_by("id")
    )


def _sections(paper) -> list[tuple[int, int, str]]:
    return [(s.number, s.order, s.heading) for s in paper.sections.order_by("order", "id")]


def _details(small, **overrides) -> dict:
    return {
        "title": "Targets review",
        "target_set": small.paper.target_set,
        "year": 2009,
        "quarter": 3,
        "author_name": "Chris Allison",
        "author_title": "Director EM IEP",
    } | overrides


@pytest.fixture
def item(small) -> AgendaItem:
    return services.add_agenda_item(
        meeting=small.paper.agenda_item.meeting, number=7, title="Next", actor=small.director
    )


# --------------------------------------------------------------------------- meetings


def test_a_meeting_is_created_checked_and_audited(small):
    meeting = services.create_meeting(
        date=date(2010, 6, 2), starts_at=time(10), venue="Pera", actor=small.director
    )

    assert (meeting.body, meeting.date, meeting.venue) == ("Board", date(2010, 6, 2), "Pera")
    [entry] = _log(meeting)
    assert (entry.user, entry.action_flag) == (small.director, ADDITION)

    with pytest.raises(ValidationError) as refused:
        services.create_meeting(date=date(2010, 6, 2), actor=small.director)
    assert "__all__" in refused.value.message_dict  # one meeting per body and day
    assert Meeting.objects.filter(date=date(2010, 6, 2)).count() == 1


def test_a_meeting_is_updated_with_its_changed_fields_recorded(small):
    meeting = small.paper.agenda_item.meeting

    services.update_meeting(
        meeting=meeting,
        body=meeting.body,
        date=meeting.date,
        starts_at=time(14, 30),
        venue="County Hall",
        actor=small.director,
    )

    meeting.refresh_from_db()
    assert meeting.starts_at == time(14, 30)
    [entry] = _log(meeting)
    assert entry.action_flag == CHANGE
    assert json.loads(entry.change_message) == [{"changed": {"fields": ["Starts at"]}}]

    # The same values again: nothing is written, nothing recorded.
    services.update_meeting(
        meeting=meeting,
        body=meeting.body,
        date=meeting.date,
        starts_at=time(14, 30),
        venue="County Hall",
        actor=small.director,
    )
    assert len(_log(meeting)) == 1


def test_an_invalid_meeting_change_is_refused_and_nothing_saved(small):
    meeting = small.paper.agenda_item.meeting
    with pytest.raises(ValidationError) as refused:
        services.update_meeting(
            meeting=meeting,
            body="",
            date=meeting.date,
            starts_at=None,
            venue="x" * 301,
            actor=small.director,
        )
    assert set(refused.value.message_dict) == {"body", "venue"}
    meeting.refresh_from_db()
    assert (meeting.body, meeting.venue) == ("Board", "County Hall")
    assert _log(meeting) == []


def test_agenda_items_are_numbered_once_per_meeting(small, item):
    meeting = small.paper.agenda_item.meeting
    assert (item.meeting, item.number, item.title) == (meeting, 7, "Next")
    [entry] = _log(meeting)
    assert json.loads(entry.change_message) == [
        {"added": {"name": "agenda item", "object": str(item)}}
    ]

    with pytest.raises(ValidationError):
        services.add_agenda_item(meeting=meeting, number=7, title="Again", actor=small.director)
    with pytest.raises(ValidationError) as refused:
        services.add_agenda_item(meeting=meeting, number=8, title="", actor=small.director)
    assert "title" in refused.value.message_dict
    assert list(meeting.items.values_list("number", flat=True)) == [6, 7]


# --------------------------------------------------------------------------- papers


def test_a_new_paper_has_the_usual_sections_numbered_in_order(small, item):
    paper = services.start_paper(agenda_item=item, author=small.director, **_details(small))

    assert (paper.agenda_item, paper.author, paper.version) == (item, small.director, 1)
    assert paper.period.label == "2009/10 Q3"
    assert _sections(paper) == [
        (number, number, heading) for number, heading in enumerate(DEFAULT_SECTIONS, start=1)
    ]
    assert set(paper.sections.values_list("body", flat=True)) == {""}
    [entry] = _log(paper)
    assert (entry.user, entry.action_flag) == (small.director, ADDITION)


def test_a_new_paper_may_bring_its_own_text(small, item):
    paper = services.start_paper(
        agenda_item=item,
        author=small.director,
        sections=[("Purpose", "To inform."), ("Recommendations", "Note it.")],
        **_details(small),
    )
    assert [(s.number, s.heading, s.body) for s in paper.sections.all()] == [
        (1, "Purpose", "To inform."),
        (2, "Recommendations", "Note it."),
    ]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"quarter": 5}, "quarter"),
        ({"title": ""}, "title"),
        ({"author_name": "x" * 151}, "author_name"),
    ],
)
def test_an_invalid_paper_is_refused_and_nothing_saved(small, item, overrides, field):
    with pytest.raises(ValidationError) as refused:
        services.start_paper(
            agenda_item=item, author=small.director, **_details(small, **overrides)
        )

    assert field in refused.value.message_dict
    assert not Paper.objects.filter(agenda_item=item).exists()
    assert Section.objects.count() == 2  # the small world's paper's, untouched


def test_a_section_refused_leaves_no_paper_behind(small, item):
    with pytest.raises(ValidationError) as refused:
        services.start_paper(
            agenda_item=item,
            author=small.director,
            sections=[("Purpose", ""), ("x" * 201, "")],
            **_details(small),
        )
    assert "Section 2 / heading" in refused.value.message_dict
    assert not Paper.objects.filter(agenda_item=item).exists()
    assert not LogEntry.objects.filter(content_type__model="paper").exists()


def test_one_paper_per_agenda_item(small):
    with pytest.raises(ValidationError) as refused:
        services.start_paper(
            agenda_item=small.paper.agenda_item, author=small.director, **_details(small)
        )
    assert "agenda_item" in refused.value.message_dict
    assert Paper.objects.count() == 1


def test_a_papers_details_change_without_moving_its_version(small):
    paper = small.paper

    services.update_paper(
        paper=paper, actor=small.director, **_details(small, title="Stretch targets", quarter=4)
    )

    paper.refresh_from_db()
    assert (paper.title, paper.period.label, paper.version) == (
        "Stretch targets",
        "2009/10 Q4",
        1,
    )
    [entry] = _log(paper)
    assert json.loads(entry.change_message) == [{"changed": {"fields": ["Title", "Quarter"]}}]

    with pytest.raises(ValidationError) as refused:
        services.update_paper(paper=paper, actor=small.director, **_details(small, quarter=0))
    assert "quarter" in refused.value.message_dict
    paper.refresh_from_db()
    assert paper.quarter == 4


# --------------------------------------------------------------------------- sections


def test_a_section_inserted_between_two_renumbers_them(small):
    paper = small.paper
    purpose, recommendations = paper.sections.order_by("order")

    version = services.save_sections(
        paper=paper,
        base_version=1,
        changed=[
            SectionEdit(pk=recommendations.pk, heading="Recommendations", body="Note.", order=3),
            SectionEdit(heading="Background", body="The Board agreed.", order=2),
        ],
        deleted=[],
        actor=small.director,
    )

    assert version == paper.version == 2
    assert Paper.objects.get(pk=paper.pk).version == 2
    assert _sections(paper) == [
        (1, 1, "Purpose of the report"),
        (2, 2, "Background"),
        (3, 3, "Recommendations"),
    ]
    assert Section.objects.get(pk=recommendations.pk).body == "Note."
    assert Section.objects.get(pk=purpose.pk).body == "Prepared for the tests."
    [entry] = _log(paper)
    assert json.loads(entry.change_message) == [
        {"changed": {"name": "section", "object": "Recommendations", "fields": ["Body", "Order"]}},
        {"added": {"name": "section", "object": "Background"}},
    ]


def test_a_deleted_section_closes_the_gap(small):
    paper = small.paper
    purpose, _ = paper.sections.order_by("order")
    services.save_sections(
        paper=paper,
        base_version=1,
        changed=[SectionEdit(heading="Annex", order=9)],
        deleted=[],
        actor=small.director,
    )

    services.save_sections(
        paper=paper, base_version=2, changed=[], deleted=[purpose.pk], actor=small.director
    )

    assert _sections(paper) == [(1, 1, "Recommendations"), (2, 2, "Annex")]
    assert json.loads(_log(paper)[-1].change_message) == [
        {"deleted": {"name": "section", "object": "Purpose of the report"}}
    ]


def test_a_new_section_without_a_position_goes_last(small):
    paper = small.paper
    services.save_sections(
        paper=paper,
        base_version=1,
        changed=[SectionEdit(heading="Appendix note"), SectionEdit(heading="Sign-off")],
        deleted=[],
        actor=small.director,
    )
    assert [heading for _, _, heading in _sections(paper)] == [
        "Purpose of the report",
        "Recommendations",
        "Appendix note",
        "Sign-off",
    ]


def _snapshot(paper) -> list[tuple]:
    return list(
        paper.sections.order_by("id").values_list("id", "number", "order", "heading", "body")
    )


def test_a_save_based_on_an_old_version_is_refused_and_nothing_saved(small):
    paper = small.paper
    purpose, recommendations = paper.sections.order_by("order")
    services.save_sections(
        paper=paper,
        base_version=1,
        changed=[SectionEdit(pk=purpose.pk, heading="Purpose", body="Mine.", order=1)],
        deleted=[],
        actor=small.director,
    )
    before = _snapshot(paper)
    logged = LogEntry.objects.count()

    with pytest.raises(StalePaper) as refused:
        services.save_sections(
            paper=paper,
            base_version=1,
            changed=[
                SectionEdit(pk=purpose.pk, heading="Purpose", body="Theirs.", order=1),
                SectionEdit(heading="New", order=1),
            ],
            deleted=[recommendations.pk],
            actor=small.director,
        )

    assert isinstance(refused.value, ValidationError)
    assert (refused.value.base_version, refused.value.version) == (1, 2)
    assert "nothing was saved" in refused.value.messages[0]
    assert _snapshot(paper) == before
    assert Paper.objects.get(pk=paper.pk).version == 2
    assert LogEntry.objects.count() == logged


def test_an_invalid_section_is_refused_and_nothing_saved(small):
    paper = small.paper
    purpose, recommendations = paper.sections.order_by("order")
    before = _snapshot(paper)

    with pytest.raises(ValidationError) as refused:
        services.save_sections(
            paper=paper,
            base_version=1,
            changed=[
                SectionEdit(pk=purpose.pk, heading="Purpose", body="Changed.", order=1),
                SectionEdit(heading="", body="No heading.", order=2),
            ],
            deleted=[recommendations.pk],
            actor=small.director,
        )

    assert not isinstance(refused.value, StalePaper)
    assert "New section / heading" in refused.value.message_dict
    assert _snapshot(paper) == before  # the deletion and the change were rolled back too
    assert Paper.objects.get(pk=paper.pk).version == 1  # and the version claimed
    assert not LogEntry.objects.exists()


def test_a_section_beyond_its_bound_is_refused_and_nothing_saved(small):
    paper = small.paper
    purpose, _ = paper.sections.order_by("order")
    before = _snapshot(paper)

    with pytest.raises(ValidationError) as refused:
        services.save_sections(
            paper=paper,
            base_version=1,
            changed=[SectionEdit(pk=purpose.pk, heading="Purpose", body="x" * 50_001, order=1)],
            deleted=[],
            actor=small.director,
        )

    assert refused.value.message_dict["Purpose / body"] == [
        "Ensure this value has at most 50000 characters (it has 50001)."
    ]
    assert _snapshot(paper) == before
    assert Paper.objects.get(pk=paper.pk).version == 1


def test_another_papers_section_is_refused(small, item):
    other = services.start_paper(agenda_item=item, author=small.director, **_details(small))
    foreign = other.sections.first()

    for changed, deleted in (
        ([SectionEdit(pk=foreign.pk, heading="Hijacked", order=1)], []),
        ([], [foreign.pk]),
    ):
        with pytest.raises(ValidationError, match="Not sections of this paper"):
            services.save_sections(
                paper=small.paper,
                base_version=1,
                changed=changed,
                deleted=deleted,
                actor=small.director,
            )
    assert Section.objects.get(pk=foreign.pk).heading == DEFAULT_SECTIONS[0]
    assert Paper.objects.get(pk=small.paper.pk).version == 1


def test_renumber_follows_the_order_and_closes_gaps(small):
    paper = small.paper
    purpose, recommendations = paper.sections.order_by("order")
    Section.objects.filter(pk=purpose.pk).update(order=10, number=7)
    Section.objects.filter(pk=recommendations.pk).update(order=4, number=1)
    Section.objects.create(paper=paper, heading="Background", order=6)

    services.renumber(paper=paper)

    assert _sections(paper) == [
        (1, 1, "Recommendations"),
        (2, 2, "Background"),
        (3, 3, "Purpose of the report"),
    ]

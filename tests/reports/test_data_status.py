"""reports.dashboards.status: what a figure rests on, as a mark and as a sentence (no database).

Business rule: on the approved basis nothing but approved returns is counted, so nothing is
marked; on the "all" basis every figure resting on a return not yet approved (draft, returned
for changes, submitted) is marked with the least approved of them, in words.
"""

from __future__ import annotations

import pytest

from reports.dashboards.status import APPROVED_ONLY, DataStatus, Place, data_note, listed


@pytest.mark.parametrize(
    ("returns", "basis", "word", "text"),
    [
        ({"approved": 3, "submitted": 1}, "approved", "", "rests on approved returns only"),
        ({"approved": 3, "none": 2}, "all", "", "rests on approved returns only"),
        (
            {"approved": 3, "submitted": 1, "none": 1},
            "all",
            "submitted",
            "rests on 1 submitted return, not yet approved",
        ),
        (
            {"submitted": 1, "draft": 2},
            "all",
            "draft",
            "rests on 2 draft and 1 submitted returns, not yet approved",
        ),
        ({"returned": 1}, "all", "returned", "rests on 1 returned return, not yet approved"),
    ],
)
def test_a_figure_is_marked_with_the_least_approved_return_it_rests_on(returns, basis, word, text):
    status = DataStatus.of(returns, basis)

    assert status.word == word
    assert status.marked == bool(word)
    assert status.text == text
    assert (status == APPROVED_ONLY) == (not word)
    assert status.css == (f"data-status data-status--{word}" if word else "")


PLACES = [
    Place("Derbyshire", "approved"),
    Place("Leicestershire/Rutland", "approved"),
    Place("Lincolnshire", "approved"),
    Place("Northamptonshire", "submitted"),
    Place("Nottinghamshire", None),
]


def test_the_note_on_approved_returns_names_what_is_left_out():
    note = data_note(PLACES, "approved")

    assert note.rests_on == "rests on 3 of 5 approved returns"
    assert note.details == (
        "Northamptonshire's (submitted, awaiting approval) return is not counted until "
        "approved; Nottinghamshire made no return"
    )
    assert note.basis_label == "Approved returns only"
    assert note.unapproved == []


def test_the_note_on_all_returns_names_what_is_counted_though_not_approved():
    note = data_note(PLACES, "all")

    assert note.rests_on == "rests on 4 of 5 returns: 3 approved, 1 submitted"
    assert note.details == (
        "Northamptonshire's (submitted, awaiting approval) return is counted though not yet "
        "approved, and marked; Nottinghamshire made no return"
    )
    assert [place.name for place in note.unapproved] == ["Northamptonshire"]
    assert note.left_out == []


@pytest.mark.parametrize(
    ("words", "text"),
    [([], ""), (["a"], "a"), (["a", "b"], "a and b"), (["a", "b", "c"], "a, b and c")],
)
def test_listed(words, text):
    assert listed(words) == text

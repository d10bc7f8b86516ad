"""The return's sign-off page: submitting warns of the lines awaiting data (a reason for each, or
one confirmation for all), and the Director sees what changed since the last approval (or,
for a first approval, since the first submission)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from returns import services
from returns.changes import changes_since_baseline
from returns.models import Return, ReturnStatus, Transition
from tests.returns.test_services import line_of, make_world, open_


@pytest.fixture
def world(db):
    return make_world()


@pytest.fixture
def return_obj(world):
    return_obj = open_(world)
    services.update_lines(
        return_obj=return_obj,
        changes={
            (world.county.pk, world.invoices.pk): {"state": "value", "actual": 96},
            (world.district.pk, world.invoices.pk): {"state": "value", "actual": 97},
            (world.county.pk, world.social_care.pk): {"state": "value", "actual": 3},
        },
        actor=world.pm,
        channel="web",
    )
    return return_obj


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


SUBMIT = "returns:submit"


def test_the_submit_form_lists_each_line_awaiting_data(client, world, return_obj):
    client.force_login(world.pm)

    page = text(client.get(reverse("returns:detail", args=[return_obj.pk])))

    assert "2 lines still await data." in page
    assert "Why Derbyshire CC, target 3 awaits data" in page
    assert "Why Derbyshire District 1, target 4 awaits data" in page
    assert "Submit them all as awaiting data, without a reason for each" in page


def test_submitting_without_a_reason_or_confirmation_is_refused(client, world, return_obj):
    client.force_login(world.pm)

    response = client.post(reverse(SUBMIT, args=[return_obj.pk]), {"comment": "Done."})

    assert response.status_code == 200
    assert "2 lines still await data without a reason" in text(response)
    assert Return.objects.get(pk=return_obj.pk).status == ReturnStatus.DRAFT


def test_a_reason_for_each_line_submits_and_is_recorded(client, world, return_obj):
    county = line_of(return_obj, world.county, world.laa_target)
    district = line_of(return_obj, world.district, world.benefits)
    client.force_login(world.pm)

    missing_one = client.post(
        reverse(SUBMIT, args=[return_obj.pk]), {f"why-{county.pk}": "LAA review in March."}
    )
    done = client.post(
        reverse(SUBMIT, args=[return_obj.pk]),
        {f"why-{county.pk}": "LAA review in March.", f"why-{district.pk}": "DWP data late."},
    )

    assert "1 line still awaits data without a reason" in text(missing_one)
    assert done.status_code == 302
    submitted = Transition.objects.get(to_status=ReturnStatus.SUBMITTED)
    assert submitted.awaiting == [
        {"line": county.pk, "where": "Derbyshire CC, target 3", "reason": "LAA review in March."},
        {
            "line": district.pk,
            "where": "Derbyshire District 1, target 4",
            "reason": "DWP data late.",
        },
    ]
    client.force_login(world.director)
    page = text(client.get(reverse("returns:detail", args=[return_obj.pk])))
    assert "Awaiting data when it was last submitted (2)" in page
    assert "Derbyshire District 1, target 4: DWP data late." in page


def test_one_confirmation_submits_them_all(client, world, return_obj):
    client.force_login(world.pm)

    done = client.post(reverse(SUBMIT, args=[return_obj.pk]), {"confirm_all": "on"})

    assert done.status_code == 302
    assert Return.objects.get(pk=return_obj.pk).status == ReturnStatus.SUBMITTED
    assert [row["reason"] for row in Transition.objects.get(to_status="submitted").awaiting] == [
        "",
        "",
    ]


def test_a_complete_return_submits_without_a_question(client, world, return_obj):
    services.update_lines(
        return_obj=return_obj,
        changes={
            (world.county.pk, world.laa_target.pk): {"state": "value", "actual": 1},
            (world.district.pk, world.benefits.pk): {"state": "value", "actual": 18},
        },
        actor=world.pm,
        channel="web",
    )
    client.force_login(world.pm)

    page = text(client.get(reverse("returns:detail", args=[return_obj.pk])))
    done = client.post(reverse(SUBMIT, args=[return_obj.pk]), {"comment": ""})

    assert "still await" not in page
    assert done.status_code == 302


# ------------------------------------------------------------------- the change summary


def test_a_first_submission_has_nothing_changed_since(client, world, return_obj):
    services.submit_return(return_obj=return_obj, actor=world.pm)
    client.force_login(world.director)

    page = text(client.get(reverse("returns:detail", args=[return_obj.pk])))

    assert "What changed since its first submission" in page
    assert "Nothing changed since it was first submitted" in page


def test_after_a_send_back_the_director_sees_what_changed_since_the_first_submission(
    client, world, return_obj
):
    services.submit_return(return_obj=return_obj, actor=world.pm)
    services.send_back_return(return_obj=return_obj, actor=world.director, comment="Check 1.")
    services.update_lines(
        return_obj=return_obj,
        changes={(world.county.pk, world.invoices.pk): {"state": "value", "actual": 90}},
        actor=world.pm,
        channel="web",
    )
    services.submit_return(return_obj=return_obj, actor=world.pm)

    summary = changes_since_baseline(Return.objects.get(pk=return_obj.pk))

    assert summary.first_approval
    assert [
        (line.where, line.old_value, line.new_value, line.old_rag.code, line.new_rag.code)
        for line in summary.lines
    ] == [("Derbyshire CC, target 1", "96%", "90%", "G", "A")]
    assert summary.lines[0].who == "Pat Moss"
    assert summary.lines[0].fields == ["value", "rating"]


def test_after_a_reopening_the_director_sees_each_change_since_the_last_approval(
    client, world, return_obj
):
    services.submit_return(return_obj=return_obj, actor=world.pm)
    services.approve_return(return_obj=return_obj, actor=world.director)
    services.reopen_return(return_obj=return_obj, actor=world.director, reason="Derby corrected.")
    services.update_lines(
        return_obj=return_obj,
        changes={
            (world.district.pk, world.invoices.pk): {"state": "value", "actual": 93},
            (world.county.pk, world.social_care.pk): {"state": "value", "actual": 2},
        },
        actor=world.pm,
        channel="import: corrections.csv",
    )
    services.update_lines(  # changed, and changed back: not listed
        return_obj=return_obj,
        changes={(world.county.pk, world.invoices.pk): {"comment": "x"}},
        actor=world.pm,
        channel="web",
    )
    services.update_lines(
        return_obj=return_obj,
        changes={(world.county.pk, world.invoices.pk): {"comment": ""}},
        actor=world.pm,
        channel="web",
    )
    services.submit_return(return_obj=return_obj, actor=world.pm)
    client.force_login(world.director)

    page = text(client.get(reverse("returns:detail", args=[return_obj.pk])))

    assert "What changed since its last approval" in page
    assert "2 lines changed" in page
    assert "Derbyshire CC, target 2" in page
    assert "level 3 (Performing well)" in page
    assert "level 2 (Performing adequately)" in page
    assert "Derbyshire District 1, target 1" in page
    assert "97%" in page
    assert "93%" in page
    assert "Derbyshire CC, target 1</a>" not in page
    assert "Pat Moss" in page


def test_the_change_summary_costs_a_constant_number_of_queries(
    world, return_obj, django_assert_max_num_queries
):
    services.submit_return(return_obj=return_obj, actor=world.pm)
    services.send_back_return(return_obj=return_obj, actor=world.director, comment="Check.")
    for value in range(80, 90):
        services.update_lines(
            return_obj=return_obj,
            changes={(world.county.pk, world.invoices.pk): {"state": "value", "actual": value}},
            actor=world.pm,
            channel="web",
        )
    fresh = Return.objects.get(pk=return_obj.pk)

    with django_assert_max_num_queries(4):
        summary = changes_since_baseline(fresh)

    assert summary.lines[0].edits == 10

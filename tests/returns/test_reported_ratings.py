"""A sub-region's own overall ratings (services.set_reported_ratings and the return's page):
recorded with their reason, refused all or nothing, versioned, locked with the return, kept in
their history and stored beside the computed overall rating on both bases."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from returns import services
from returns.errors import InvalidLines, ReturnLocked, StaleReturn
from returns.models import Basis, Overall, ReportedRating, Return
from returns.services import Reported
from targets.models import RuleKind
from tests.factories import TargetFactory
from tests.returns.test_services import make_world, open_

REASON = "Not all achieving level 3, therefore Red."


@pytest.fixture
def world(db):
    world = make_world()
    # A target the returns alone cannot rate: its computed overall rating is None.
    world.comparison = TargetFactory(
        target_set=world.target_set,
        theme=world.invoices.theme,
        number="5",
        priority=3,
        rule=RuleKind.COMPARISON,
        threshold=None,
    )
    return world


@pytest.fixture
def return_obj(world):
    return open_(world)


def record(return_obj, ratings, actor, **kwargs) -> int:
    return services.set_reported_ratings(
        return_obj=return_obj, ratings=ratings, actor=actor, channel="web", **kwargs
    )


def version_of(return_obj) -> int:
    return Return.objects.get(pk=return_obj.pk).version


def stored(return_obj, target, basis=Basis.ALL) -> Overall:
    return Overall.objects.get(
        target=target,
        year=return_obj.year,
        quarter=return_obj.quarter,
        sub_region=return_obj.sub_region,
        basis=basis,
    )


def everything(return_obj) -> tuple:
    """All that a refused write must leave as it was."""
    return (
        version_of(return_obj),
        list(ReportedRating.objects.values_list("target_id", "rating", "reason", "source")),
        ReportedRating.history.count(),
        list(Overall.objects.order_by("pk").values()),
    )


def make_invoices_green(world, return_obj) -> None:
    services.update_lines(
        return_obj=return_obj,
        changes={
            (world.county.pk, world.invoices.pk): {"state": "value", "actual": Decimal(97)},
            (world.district.pk, world.invoices.pk): {"state": "value", "actual": Decimal(99)},
        },
        actor=world.pm,
        channel="web",
    )


# --------------------------------------------------------------------------- the service


@pytest.mark.parametrize("rating", ["R", "A", "G", "GREY"])
def test_a_rating_is_recorded_with_its_reason(world, return_obj, rating):
    version = version_of(return_obj)

    changed = record(
        return_obj,
        {world.invoices.pk: Reported(rating=rating, reason=REASON, source="Q3 return, row 8")},
        world.pm,
    )

    assert changed == 1
    row = ReportedRating.objects.get(return_obj=return_obj, target=world.invoices)
    assert (row.rating, row.reason, row.source, row.updated_by) == (
        rating,
        REASON,
        "Q3 return, row 8",
        world.pm,
    )
    assert version_of(return_obj) == version + 1
    (history,) = row.history.all()
    assert (history.history_type, history.history_user, history.history_change_reason) == (
        "+",
        world.pm,
        "web",
    )
    overall = stored(return_obj, world.invoices)
    assert (overall.reported_rating, overall.reported_reason) == (rating, REASON)


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        (Reported(rating="R", reason="   "), "reason"),
        (Reported(rating="R", reason=""), "reason"),
        (Reported(rating="NA", reason=REASON), "rating"),  # not applicable is a line's state
        (Reported(rating="Red", reason=REASON), "rating"),
        (Reported(rating="", reason=REASON), "rating"),
    ],
)
def test_a_bad_rating_is_refused_naming_the_field_and_nothing_changes(
    world, return_obj, entry, field
):
    record(return_obj, {world.benefits.pk: Reported(rating="A", reason="Earlier view.")}, world.pm)
    before = everything(return_obj)

    with pytest.raises(InvalidLines) as refused:
        record(
            return_obj,
            # A good rating beside the bad one is not written either: all or nothing.
            {
                world.social_care.pk: Reported(rating="G", reason=REASON),
                world.benefits.pk: None,
                world.invoices.pk: entry,
            },
            world.pm,
        )

    assert refused.value.code == "invalid_lines"
    assert [(p.target_id, p.field) for p in refused.value.problems] == [(world.invoices.pk, field)]
    assert everything(return_obj) == before


def test_a_target_outside_the_set_is_refused(world, return_obj):
    stranger = TargetFactory()  # a target of another set
    before = everything(return_obj)

    with pytest.raises(InvalidLines) as refused:
        record(
            return_obj,
            {
                world.invoices.pk: Reported(rating="G", reason=REASON),
                stranger.pk: Reported(rating="R", reason=REASON),
            },
            world.pm,
        )

    (problem,) = refused.value.problems
    assert (problem.target_id, problem.field) == (stranger.pk, "target")
    assert "Not a target of this return." in problem.message
    assert everything(return_obj) == before


def test_none_removes_a_rating(world, return_obj):
    record(return_obj, {world.invoices.pk: Reported(rating="R", reason=REASON)}, world.pm)
    version = version_of(return_obj)

    changed = record(return_obj, {world.invoices.pk: None}, world.pm)

    assert changed == 1
    assert not ReportedRating.objects.exists()
    assert version_of(return_obj) == version + 1
    removed = ReportedRating.history.latest("history_id")
    assert (removed.history_type, removed.history_user, removed.rating) == ("-", world.pm, "R")
    overall = stored(return_obj, world.invoices)
    assert (overall.reported_rating, overall.reported_reason, overall.differs) == ("", "", False)


def test_nothing_to_change_changes_nothing(world, return_obj):
    record(return_obj, {world.invoices.pk: Reported(rating="R", reason=REASON)}, world.pm)
    version = version_of(return_obj)
    history = ReportedRating.history.count()

    again = record(
        return_obj,
        {
            world.invoices.pk: Reported(rating="R", reason=REASON),
            world.benefits.pk: None,  # never given: nothing to remove
        },
        world.pm,
    )

    assert again == 0
    assert version_of(return_obj) == version
    assert ReportedRating.history.count() == history


def test_a_change_of_reason_is_a_change(world, return_obj):
    record(return_obj, {world.invoices.pk: Reported(rating="R", reason=REASON)}, world.pm)

    changed = record(
        return_obj, {world.invoices.pk: Reported(rating="R", reason="Better worded.")}, world.pm
    )

    assert changed == 1
    row = ReportedRating.objects.get()
    assert [h.history_type for h in row.history.order_by("history_id")] == ["+", "~"]
    assert stored(return_obj, world.invoices).reported_reason == "Better worded."


def test_a_stale_version_is_refused(world, return_obj):
    read_at = version_of(return_obj)
    record(
        return_obj,
        {world.invoices.pk: Reported(rating="R", reason=REASON)},
        world.pm,
        base_version=read_at,
    )
    before = everything(return_obj)

    with pytest.raises(StaleReturn) as refused:
        record(
            return_obj,
            {world.benefits.pk: Reported(rating="G", reason=REASON)},
            world.pm,
            base_version=read_at,
        )

    assert refused.value.current_version == read_at + 1
    assert everything(return_obj) == before


@pytest.mark.parametrize("steps", [["submit"], ["submit", "approve"]])
def test_a_submitted_or_approved_return_is_locked(world, return_obj, steps):
    for step in steps:
        actor = world.pm if step == "submit" else world.director
        services.take_step(return_obj=return_obj, step=step, actor=actor)
    before = everything(return_obj)

    with pytest.raises(ReturnLocked):
        record(return_obj, {world.invoices.pk: Reported(rating="R", reason=REASON)}, world.pm)

    assert everything(return_obj) == before


def test_another_sub_regions_programme_manager_may_not_record(world, return_obj):
    with pytest.raises(PermissionDenied):
        record(return_obj, {world.invoices.pk: Reported(rating="R", reason=REASON)}, world.pm_other)
    assert not ReportedRating.objects.exists()


# ------------------------------------------------------------- stored beside the computed one


@pytest.mark.parametrize(
    ("reported", "differs"),
    [("G", False), ("A", True), ("R", True), ("GREY", True)],
)
def test_differs_when_both_exist_and_disagree(world, return_obj, reported, differs):
    make_invoices_green(world, return_obj)

    record(return_obj, {world.invoices.pk: Reported(rating=reported, reason=REASON)}, world.pm)

    overall = stored(return_obj, world.invoices)
    assert overall.rating == "G"
    assert (overall.reported_rating, overall.differs) == (reported, differs)


def test_no_difference_without_a_computed_rating_or_without_an_own_one(world, return_obj):
    record(return_obj, {world.comparison.pk: Reported(rating="R", reason=REASON)}, world.pm)

    compared = stored(return_obj, world.comparison)
    assert (compared.rating, compared.reported_rating, compared.differs) == ("", "R", False)
    # Grey computed (nothing rated yet) and Grey reported agree.
    record(return_obj, {world.benefits.pk: Reported(rating="GREY", reason=REASON)}, world.pm)
    benefits = stored(return_obj, world.benefits)
    assert (benefits.rating, benefits.reported_rating, benefits.differs) == ("GREY", "GREY", False)
    # Without an own rating nothing differs.
    assert stored(return_obj, world.invoices).differs is False


def test_both_bases_carry_the_own_rating_once_the_return_is_approved(world, return_obj):
    make_invoices_green(world, return_obj)
    record(return_obj, {world.invoices.pk: Reported(rating="R", reason=REASON)}, world.pm)

    # A draft: only the "all returns" basis rests on it.
    on_all = stored(return_obj, world.invoices, Basis.ALL)
    on_approved = stored(return_obj, world.invoices, Basis.APPROVED)
    assert (on_all.reported_rating, on_all.reported_reason, on_all.differs) == ("R", REASON, True)
    assert (on_approved.reported_rating, on_approved.reported_reason) == ("", "")
    assert (on_approved.rating, on_approved.differs) == ("GREY", False)

    services.submit_return(return_obj=return_obj, actor=world.pm)
    services.approve_return(return_obj=return_obj, actor=world.director)

    for basis in Basis.values:
        overall = stored(return_obj, world.invoices, basis)
        assert (overall.rating, overall.reported_rating, overall.reported_reason) == (
            "G",
            "R",
            REASON,
        ), basis
        assert overall.differs is True, basis
    # The region's row is computed only: no sub-region speaks for the region.
    region = Overall.objects.get(target=world.invoices, sub_region=None, basis=Basis.ALL)
    assert (region.reported_rating, region.differs) == ("", False)


# --------------------------------------------------------------------------------- the page


def post_data(world, return_obj, ratings: dict, *, version=None) -> dict:
    """The own-ratings form as the browser sends it: every target's rating and reason."""
    data = {"version": str(version_of(return_obj) if version is None else version)}
    for target in return_obj.target_set.targets.all():
        rating, reason = ratings.get(target.pk, ("", ""))
        data[f"r-{target.pk}"] = rating
        data[f"why-{target.pk}"] = reason
    return data


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_the_programme_manager_records_own_ratings_on_the_page(client, world, return_obj):
    client.force_login(world.pm)
    url = reverse("returns:reported", args=[return_obj.pk])

    response = client.post(url, post_data(world, return_obj, {world.invoices.pk: ("A", REASON)}))

    assert response.status_code == 302
    assert response["Location"] == reverse("returns:edit", args=[return_obj.pk])
    assert messages_of(response) == ["Saved 1 of the sub-region's own rating."]
    row = ReportedRating.objects.get()
    assert (row.target, row.rating, row.reason, row.updated_by) == (
        world.invoices,
        "A",
        REASON,
        world.pm,
    )
    assert row.history.get().history_change_reason == "web"
    assert stored(return_obj, world.invoices).reported_rating == "A"


def test_the_page_refuses_a_rating_without_its_reason(client, world, return_obj):
    client.force_login(world.pm)
    url = reverse("returns:reported", args=[return_obj.pk])

    response = client.post(url, post_data(world, return_obj, {world.invoices.pk: ("R", "  ")}))

    assert response.status_code == 200
    assert messages_of(response) == ["Nothing was saved: each rating needs its reason."]
    assert response.context["reported_form"].errors == {
        f"why-{world.invoices.pk}": ["Give the sub-region's reason for its rating."]
    }
    assert not ReportedRating.objects.exists()


def test_the_page_refuses_a_stale_version_with_a_conflict(client, world, return_obj):
    read_at = version_of(return_obj)
    record(return_obj, {world.benefits.pk: Reported(rating="G", reason=REASON)}, world.pm)
    client.force_login(world.pm)
    url = reverse("returns:reported", args=[return_obj.pk])

    response = client.post(
        url, post_data(world, return_obj, {world.invoices.pk: ("R", REASON)}, version=read_at)
    )

    assert response.status_code == 409
    assert messages_of(response)[0].startswith("Nothing was saved: Someone else changed")
    assert list(ReportedRating.objects.values_list("target_id", flat=True)) == [world.benefits.pk]


def test_the_page_refuses_a_locked_return(client, world, return_obj):
    services.submit_return(return_obj=return_obj, actor=world.pm)
    client.force_login(world.pm)
    url = reverse("returns:reported", args=[return_obj.pk])

    response = client.post(url, post_data(world, return_obj, {world.invoices.pk: ("R", REASON)}))

    assert response.status_code == 302
    assert "cannot change until the Director" in messages_of(response)[0]
    assert not ReportedRating.objects.exists()


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("pm_other", 404),  # another sub-region's return is not found for them
        ("board", 403),  # the Board reads every return and writes none
        ("director", 403),
        ("admin", 403),
        ("no_role", 403),
    ],
)
def test_only_the_sub_regions_programme_manager_may_post(client, world, return_obj, who, status):
    client.force_login(getattr(world, who))
    url = reverse("returns:reported", args=[return_obj.pk])

    response = client.post(url, post_data(world, return_obj, {world.invoices.pk: ("R", REASON)}))

    assert response.status_code == status
    assert not ReportedRating.objects.exists()
    assert version_of(return_obj) == 1


def test_signed_out_posts_go_to_the_sign_in_page(client, world, return_obj):
    url = reverse("returns:reported", args=[return_obj.pk])

    response = client.post(url, post_data(world, return_obj, {world.invoices.pk: ("R", REASON)}))

    assert response.status_code == 302
    assert "login" in response["Location"]
    assert not ReportedRating.objects.exists()


def test_the_own_ratings_url_takes_posts_only(client, world, return_obj):
    client.force_login(world.pm)

    response = client.get(reverse("returns:reported", args=[return_obj.pk]))

    assert response.status_code == 405


#: The queries of the return's edit page, which carries the own-ratings form: the session,
#: the user, their permissions (one), their region and sub-region (one, issue 13: the one
#: visibility rule), their membership, the return, the grid (targets, levels,
#: lines, sub-regions, region, returns, stored overall ratings, ...), the own ratings, the
#: return's deadline and the user's groups (the page's next step). Fixed, whatever the number
#: of own ratings given.
EDIT_PAGE_QUERIES = 16  # the sub-regions read with their region (one query fewer)


def test_the_edit_page_shows_the_own_ratings_in_a_fixed_number_of_queries(
    client, world, return_obj, django_assert_num_queries
):
    url = reverse("returns:edit", args=[return_obj.pk])
    client.force_login(world.pm)
    record(return_obj, {world.invoices.pk: Reported(rating="A", reason=REASON)}, world.pm)

    with django_assert_num_queries(EDIT_PAGE_QUERIES):
        response = client.get(url)

    assert response.status_code == 200
    form = response.context["reported_form"]
    assert form[f"r-{world.invoices.pk}"].value() == "A"
    assert form[f"why-{world.invoices.pk}"].value() == REASON
    assert reverse("returns:reported", args=[return_obj.pk]) in response.content.decode()

    record(
        return_obj,
        {
            world.benefits.pk: Reported(rating="G", reason=REASON),
            world.social_care.pk: Reported(rating="GREY", reason=REASON),
            world.laa_target.pk: Reported(rating="R", reason=REASON),
        },
        world.pm,
    )
    with django_assert_num_queries(EDIT_PAGE_QUERIES):
        assert client.get(url).status_code == 200

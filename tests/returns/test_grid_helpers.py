"""The grid's helpers: the rating as a value is typed (the server's engine, CSRF-protected,
the sub-region's programme manager only), every field of a line saved from the side panel, the
error banner's links to each cell in error, and copied cells marked until edited."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from returns import services
from returns.models import LineState, Rating, ReturnLine
from tests.returns.test_services import Q2, Q3, line_of, make_world, open_
from tests.returns.test_views import grid_post, messages_of


@pytest.fixture
def world(db):
    return make_world()


@pytest.fixture
def return_obj(world):
    return open_(world)


def preview(client, return_obj, line, **data):
    return client.post(
        reverse("returns:rate-preview", args=[return_obj.pk]), {"line": line.pk, **data}
    )


# ------------------------------------------------------------------ the rating while typing


@pytest.mark.parametrize(
    ("typed", "rating"),
    [("96", Rating.GREEN), ("92.79%", Rating.AMBER), ("50", Rating.RED), ("", Rating.GREY)],
)
def test_the_preview_gives_the_rating_a_save_would_store(client, world, return_obj, typed, rating):
    line = line_of(return_obj, world.county, world.invoices)
    client.force_login(world.pm)

    answer = preview(client, return_obj, line, actual=typed).json()

    assert answer["ok"] is True
    assert answer["code"] == rating
    # The same value saved through the grid stores the same rating.
    client.post(
        reverse("returns:edit", args=[return_obj.pk]), grid_post(return_obj, {line.pk: typed})
    )
    line.refresh_from_db()
    assert line.effective_rating == rating
    assert answer["explanation"] == line.explanation
    assert answer["label"] == Rating(rating).label


def test_the_preview_saves_nothing(client, world, return_obj):
    line = line_of(return_obj, world.county, world.invoices)
    client.force_login(world.pm)

    preview(client, return_obj, line, actual="96")

    line.refresh_from_db()
    assert (line.actual, line.effective_rating) == (None, Rating.GREY)
    assert ReturnLine.history.filter(id=line.pk).count() == 1


def test_a_value_that_cannot_be_read_is_named_as_the_save_names_it(client, world, return_obj):
    line = line_of(return_obj, world.county, world.invoices)
    client.force_login(world.pm)

    answer = preview(client, return_obj, line, actual="104%").json()

    assert answer == {"ok": False, "error": "The value: “104%” is over 100% for a percentage."}


def test_the_panels_fields_rate_too(client, world, return_obj):
    line = line_of(return_obj, world.county, world.invoices)
    client.force_login(world.pm)

    by_hand = preview(
        client, return_obj, line, actual="", state="awaiting", target_value="", manual_rating="R"
    ).json()
    lower_target = preview(
        client, return_obj, line, actual="92", state="value", target_value="90", manual_rating=""
    ).json()

    assert (by_hand["code"], by_hand["by_hand"]) == (Rating.RED, True)
    assert lower_target["code"] == Rating.GREEN  # 92% against its own target of 90%


@pytest.mark.parametrize("who", ["pm_other", "director", "board"])
def test_only_the_sub_regions_programme_manager_may_ask(client, world, return_obj, who):
    line = line_of(return_obj, world.county, world.invoices)
    client.force_login(getattr(world, who))

    status = preview(client, return_obj, line, actual="96").status_code

    assert status == (404 if who == "pm_other" else 403)


def test_the_preview_is_csrf_protected(world, return_obj):
    line = line_of(return_obj, world.county, world.invoices)
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.pm)

    assert preview(client, return_obj, line, actual="96").status_code == 403


def test_a_line_of_another_return_is_not_found(client, world, return_obj):
    other = open_(world, Q2)
    line = line_of(other, world.county, world.invoices)
    client.force_login(world.pm)

    assert preview(client, return_obj, line, actual="96").status_code == 404


# ------------------------------------------------------------------------ the line panel


def panel_url(return_obj, line):
    return reverse("returns:line-panel", args=[return_obj.pk, line.pk])


def test_the_panel_saves_every_field_of_a_line_and_answers_the_new_cell(client, world, return_obj):
    line = line_of(return_obj, world.county, world.invoices)
    client.force_login(world.pm)

    form = client.get(panel_url(return_obj, line)).content.decode()
    answer = client.post(
        panel_url(return_obj, line),
        {
            "version": return_obj.version,
            "state": "value",
            "actual": "92.79",
            "target_value": "92",
            "date_of_data": "2009-12-09",
            "manual_rating": "A",
            "manual_reason": "Improving, but not yet there.",
            "state_reason": "",
            "comment": "From the council's finance team.",
            "source": "Council finance report",
        },
    ).json()

    assert 'id="panel_actual"' in form
    assert 'name="manual_reason"' in form
    line.refresh_from_db()
    assert line.actual == Decimal("92.79")
    assert line.target_value == Decimal("92")
    assert str(line.date_of_data) == "2009-12-09"
    assert (line.manual_rating, line.manual_reason) == ("A", "Improving, but not yet there.")
    assert line.comment == "From the council's finance team."
    assert line.source == "Council finance report"
    assert answer["ok"] is True
    assert answer["version"] == return_obj.version + 1
    assert f'id="cell-{line.pk}"' in answer["cell"]
    assert 'value="92.79"' in answer["cell"]
    assert "Saved Derbyshire CC – target 1." in answer["message"]


def test_the_panel_refuses_an_invalid_line_with_its_fields_marked(client, world, return_obj):
    line = line_of(return_obj, world.county, world.invoices)
    client.force_login(world.pm)

    response = client.post(
        panel_url(return_obj, line),
        {"version": return_obj.version, "state": "awaiting", "actual": "", "manual_rating": "R"},
    )

    assert response.status_code == 400
    answer = response.json()
    assert answer["ok"] is False
    assert "A manual rating needs its reason." in answer["html"]
    assert 'aria-invalid="true"' in answer["html"]
    line.refresh_from_db()
    assert line.manual_rating == ""


def test_the_panel_never_overwrites_a_change_made_meanwhile(client, world, return_obj):
    line = line_of(return_obj, world.county, world.invoices)
    base = return_obj.version
    services.update_lines(
        return_obj=return_obj,
        changes={(world.county.pk, world.invoices.pk): {"comment": "Theirs."}},
        actor=world.pm,
        channel="web",
    )
    client.force_login(world.pm)

    response = client.post(
        panel_url(return_obj, line),
        {"version": base, "state": "value", "actual": "96", "comment": "Mine."},
    )

    assert response.status_code == 409
    assert "Someone else changed this return" in response.json()["error"]
    line.refresh_from_db()
    assert (line.actual, line.comment) == (None, "Theirs.")


def test_the_panel_is_the_programme_managers_only(client, world, return_obj):
    line = line_of(return_obj, world.county, world.invoices)
    client.force_login(world.director)

    assert client.get(panel_url(return_obj, line)).status_code == 403
    assert client.post(panel_url(return_obj, line), {"version": 1}).status_code == 403


# --------------------------------------------------------- the error banner, copied cells


def test_the_error_banner_links_to_each_cell_in_error(client, world, return_obj):
    county = line_of(return_obj, world.county, world.invoices)
    district = line_of(return_obj, world.district, world.benefits)
    client.force_login(world.pm)

    response = client.post(
        reverse("returns:edit", args=[return_obj.pk]),
        grid_post(return_obj, {county.pk: "104%", district.pk: "many"}),
    )

    html = re.sub(r"\s+", " ", response.content.decode())
    banner = re.search(r'<div class="error-summary".*?</div>', html).group(0)
    assert "Nothing was saved: 2 values need correcting" in banner
    assert f'href="#id_v-{county.pk}"' in banner
    assert f'href="#id_v-{district.pk}"' in banner
    assert "Derbyshire CC – target 1: “104%” is over 100% for a percentage." in banner
    assert f'id="id_v-{county.pk}"' in html  # the link's target exists


def test_copied_cells_are_marked_until_edited_and_the_message_says_they_are_saved(client, world):
    earlier = open_(world, Q2)
    services.update_lines(
        return_obj=earlier,
        changes={
            (world.county.pk, world.invoices.pk): {"state": LineState.VALUE, "actual": 96},
            (world.district.pk, world.invoices.pk): {"state": LineState.VALUE, "actual": 97},
        },
        actor=world.pm,
        channel="web",
    )
    later = open_(world, Q3)
    client.force_login(world.pm)

    copied = client.post(reverse("returns:copy-forward", args=[later.pk]))
    grid = client.get(reverse("returns:edit", args=[later.pk])).content.decode()

    assert "and saved them" in messages_of(copied)[0]
    assert "Check them, then save" not in messages_of(copied)[0]
    county = line_of(later, world.county, world.invoices)
    district = line_of(later, world.district, world.invoices)
    assert county.copied_forward
    assert district.copied_forward
    assert grid.count("cell--copied") == 2
    assert "2 lines were copied forward from 2009/10 Q2" in grid

    later.refresh_from_db()
    client.post(reverse("returns:edit", args=[later.pk]), grid_post(later, {county.pk: "95"}))

    county.refresh_from_db()
    district.refresh_from_db()
    assert not county.copied_forward
    assert district.copied_forward
    grid = client.get(reverse("returns:edit", args=[later.pk])).content.decode()
    assert grid.count("cell--copied") == 1


def test_the_grid_and_return_page_link_to_import_and_export(client, world, return_obj):
    client.force_login(world.pm)

    for name in ("returns:edit", "returns:detail"):
        page = client.get(reverse(name, args=[return_obj.pk])).content.decode()
        assert f'href="/returns/import/?return={return_obj.pk}"' in page
        assert "/returns/export/?target_set=stretch-derbyshire&amp;period=2009%2F10+Q3" in page
    listing = client.get(reverse("returns:list")).content.decode()
    assert 'href="/returns/import/"' in listing
    assert 'href="/returns/export/"' in listing

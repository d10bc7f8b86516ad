"""manage.py rebuild_ratings: lines whose stored rating no longer matches the engine are
re-rated in a recorded step, and every stored overall rating is written afresh."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from returns import services
from returns.management.commands.rebuild_ratings import REASON
from returns.models import RATED_LINE_FIELDS, Basis, Overall, Rerating, ReturnLine
from returns.services import Reported
from tests.returns.test_services import Q2, line_of, make_world, open_


@pytest.fixture
def world(db):
    world = make_world(districts=2)
    return_obj = open_(world)
    services.update_lines(
        return_obj=return_obj,
        changes={
            (world.county.pk, world.invoices.pk): {"state": "value", "actual": Decimal("92.79")},
            (world.district.pk, world.invoices.pk): {"state": "value", "actual": Decimal(97)},
            (world.county.pk, world.social_care.pk): {"state": "value", "actual": Decimal(3)},
            (world.district.pk, world.benefits.pk): {
                "state": "not_applicable",
                "state_reason": "Processed by a partner.",
            },
        },
        actor=world.pm,
        channel="web",
    )
    services.set_reported_ratings(
        return_obj=return_obj,
        ratings={world.invoices.pk: Reported(rating="G", reason="Nearly there.")},
        actor=world.pm,
        channel="web",
    )
    services.submit_return(return_obj=return_obj, actor=world.pm)
    services.approve_return(return_obj=return_obj, actor=world.director)
    world.return_obj = return_obj
    return world


def overall_rows() -> dict[tuple, dict]:
    """Every stored overall rating, keyed by what it is of, with every field but its id."""
    rows = Overall.objects.values()
    return {
        (row["target_id"], row["year"], row["quarter"], row["sub_region_id"], row["basis"]): {
            name: value for name, value in row.items() if name != "id"
        }
        for row in rows
    }


def rated(line) -> dict:
    line.refresh_from_db()
    return {name: getattr(line, name) for name in RATED_LINE_FIELDS}


def rebuild_ratings() -> str:
    out = io.StringIO()
    call_command("rebuild_ratings", stdout=out)
    return out.getvalue()


def test_the_command_restores_corrupted_rows_and_a_stale_line(world):
    good_rows = overall_rows()
    amber = line_of(world.return_obj, world.county, world.invoices)
    good_line = rated(amber)
    assert good_line["effective_rating"] == "A"
    # A database restored from before an upgrade, or edited by hand: rows wrong, rows gone,
    # a row for a quarter without any return, and a line that says Green.
    region_row = Overall.objects.get(target=world.invoices, sub_region=None, basis=Basis.ALL)
    Overall.objects.filter(pk=region_row.pk).update(
        rating="G", explanation="Wrong.", counts={}, relevant=0, known=0
    )
    Overall.objects.filter(target=world.invoices, sub_region=world.sub_region).update(
        reported_rating="", reported_reason="", differs=False
    )
    Overall.objects.filter(target=world.benefits).delete()
    stray = Overall.objects.get(pk=region_row.pk)
    stray.pk, stray.year, stray.quarter = None, Q2.year, Q2.quarter
    stray.save()
    amber_line = ReturnLine.objects.filter(pk=amber.pk)
    amber_line.update(computed_rating="G", effective_rating="G", explanation="Looks fine.")
    assert overall_rows() != good_rows

    output = rebuild_ratings()

    assert rated(amber) == good_line
    assert overall_rows() == good_rows
    written = Overall.objects.count()
    assert output.splitlines() == [
        "Re-rated 1 target(s): 1 line(s) changed.",
        f"Rebuilt {written} stored overall rating(s).",
    ]
    # Two sub-regions' rows and the region's, for each of four targets, on two bases.
    assert written == 4 * 3 * 2
    (record,) = Rerating.objects.all()
    assert (record.target, record.reason, record.actor) == (
        world.invoices,
        REASON,
        services.system_actor(),
    )
    assert (record.lines_changed, record.lines.get().line) == (1, amber)
    assert (record.lines.get().before_rating, record.lines.get().after_rating) == ("G", "A")
    assert amber.history.latest("history_date").history_change_reason.startswith("Re-rated")


def test_a_second_run_changes_nothing_and_records_nothing(world):
    line = line_of(world.return_obj, world.county, world.social_care)
    ReturnLine.objects.filter(pk=line.pk).update(effective_rating="R")
    rebuild_ratings()
    rows, reratings = overall_rows(), Rerating.objects.count()

    output = rebuild_ratings()

    written = Overall.objects.count()
    assert output.splitlines() == [f"Rebuilt {written} stored overall rating(s)."]
    assert overall_rows() == rows
    assert Rerating.objects.count() == reratings


def test_a_line_whose_explanation_alone_is_stale_is_mended(world):
    """The rating is right and the words are not: the words are rated again and stored (the
    command once re-rated such a target on every run and never stored the words)."""
    line = line_of(world.return_obj, world.county, world.invoices)
    good = rated(line)
    ReturnLine.objects.filter(pk=line.pk).update(explanation="92.79% against at least 99%.")

    first = rebuild_ratings()
    second = rebuild_ratings()

    assert rated(line) == good
    assert first.splitlines()[0] == "Re-rated 1 target(s): 0 line(s) changed."
    assert not second.startswith("Re-rated")


def test_without_returns_every_stored_row_goes(world):
    world.return_obj.delete()
    assert Overall.objects.exists()  # left behind: nothing refreshed them

    output = rebuild_ratings()

    assert output == "Rebuilt 0 stored overall rating(s).\n"
    assert not Overall.objects.exists()

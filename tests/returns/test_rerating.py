"""Changing a target's rule re-rates its lines once, in one recorded step, and every reader
shows the new rating: the grid, the line page, the dashboards, the API, the Excel and CSV
exports. An issued Board paper keeps its frozen ratings and lists the change among its
restatements.

The world is tests.reports.test_papers_support's small one: target 2 ("Council tax collected",
at least 97%) has 93.5% for each of the four authorities: 3.6% short, so worse than the ±2%
tolerance (▲) and Amber (within the default 10% amber margin).
"""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from authorities.roles import BOARD_MEMBER, PROGRAMME_MANAGER
from reports.models import IssuedPaper
from reports.papers import background
from reports.papers.issuing import restatements
from returns.models import Rerating, ReratingLine, ReturnLine
from returns.rerating import change_target_rule
from tests.factories import make_user
from tests.reports.test_papers_support import fast_pdf, make_small_world, sync_builds

pytestmark = pytest.mark.django_db

__all__ = ["fast_pdf", "sync_builds"]  # fixtures used by name below

NEW_RULE = {"tolerance": Decimal(5), "amber_margin": Decimal(2)}
WHY = "The Board asked for a tighter amber margin (minute 7, January 2010)."


@pytest.fixture
def world(db):
    return make_small_world()


@pytest.fixture
def admin_user(django_user_model):
    return django_user_model.objects.create_superuser("rules-admin", "rules@example.org", "x")


def council_tax(world):
    return world.targets[1]


def lines_of(target) -> list[ReturnLine]:
    return list(ReturnLine.objects.filter(target=target).order_by("pk"))


def grid_letter(html: str, name: str) -> str:
    """The letter the grid shows in the cell whose hidden text names ``name``."""
    found = re.search(
        r'cell__rag-text">(\w+)</span><span class="visually-hidden"> \(<span class="cell__rag-'
        r'label">[^<]*</span>\): edit every field of ' + re.escape(name),
        html,
    )
    assert found, name
    return found.group(1)


def test_a_new_amber_margin_rerates_every_reader_and_is_recorded(
    client, world, admin_user, fast_pdf, sync_builds
):
    target = council_tax(world)
    # Issue the paper first: it must keep what it said.
    # The world's returns are drafts: the Director confirms issuing on them (issue 10).
    background.start_build(world.paper, user=world.director, kind="issue", confirm_unapproved=True)
    issued = IssuedPaper.objects.get()
    frozen = issued.snapshot
    assert {line.computed_rating for line in lines_of(target)} == {"A"}
    assert {line.status for line in lines_of(target)} == {"worse"}

    record = change_target_rule(target=target, values=NEW_RULE, actor=admin_user, reason=WHY)

    # Stored: 3.6% short is beyond a 2% amber margin (Red) and within a 5% tolerance (●).
    assert {line.computed_rating for line in lines_of(target)} == {"R"}
    assert {line.effective_rating for line in lines_of(target)} == {"R"}
    assert {line.status for line in lines_of(target)} == {"within"}
    # Recorded: who, why, what changed, how many lines, each line's before and after.
    assert (record.actor, record.reason) == (admin_user, WHY)
    assert record.changes == {"tolerance": ["", "5"], "amber_margin": ["", "2"]}
    assert (record.lines_rated, record.lines_changed) == (4, 4)
    before_after = ReratingLine.objects.filter(rerating=record)
    assert before_after.count() == 4
    assert {
        (row.before_rating, row.after_rating, row.before_status, row.after_status)
        for row in before_after
    } == {("A", "R", "worse", "within")}
    # Each line's history names the re-rating.
    line = lines_of(target)[0]
    latest = line.history.order_by("-history_id").first()
    assert latest.history_change_reason == f"Re-rated (#{record.pk}): {WHY}"

    # The grid and the line page.
    northshire = world.returns[0]
    pm = make_user(PROGRAMME_MANAGER, sub_region=world.sub_regions[0])
    client.force_login(pm)
    grid = client.get(reverse("returns:edit", args=[northshire.pk])).content.decode()
    assert grid_letter(grid, f"{world.authorities[1].short_name} – target 2") == "R"
    line = ReturnLine.objects.get(
        return_obj=northshire, target=target, authority=world.authorities[1]
    )
    page = client.get(reverse("returns:line", args=[northshire.pk, line.pk])).content.decode()
    assert "rag--R" in page
    assert "re-rat" in page.lower()

    # Every dashboard, as a Board member reading all returns.
    board = make_user(BOARD_MEMBER)
    client.force_login(board)
    query = {"target_set": target.target_set.slug, "period": "2009/10 Q3", "basis": "all"}
    overview = client.get(reverse("reports:overview"), query)
    row = next(row for row in overview.context["overview"].rows if row.target.number == "2")
    assert row.region.mark.text == "R"
    assert [cell.mark.text for cell in row.cells] == ["R", "R"]
    sub_region = client.get(reverse("reports:sub-region", args=["northshire"]), query)
    rows = sub_region.context["view"].rows
    assert {row.cells[1].mark.text for row in rows} == {"R"}
    target_page = client.get(reverse("reports:target", args=[target.code]), query)
    assert target_page.context["view"].overall.mark.text == "R"
    assert WHY in target_page.content.decode()
    authority = client.get(reverse("reports:authority", args=[world.authorities[1].slug]), query)
    assert "rag--R" in authority.content.decode()
    compare = client.get(reverse("reports:compare"), {**query, "against": "2009/10 Q2"}).context[
        "comparison"
    ]
    compared = next(row for row in compare.rows if row.target.number == "2")
    assert compared.region.after.mark.text == "R"

    # The API: the return's lines and the ratings document.
    detail = client.get(reverse("api-return", args=[northshire.pk])).json()
    assert {
        line["computed_rating"] for line in detail["lines"] if line["target"] == target.number
    } == {"R"}
    ratings = client.get(reverse("api-ratings"), query).json()
    (api_target,) = [t for t in ratings["targets"] if t["number"] == "2"]
    assert api_target["region"]["rating"] == "R"
    assert {a["computed"] for s in api_target["sub_regions"] for a in s["authorities"]} == {"R"}

    # The exports.
    export = {"target_set": target.target_set.slug, "period": "2009/10 Q3"}
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get(reverse("returns:export"), {**export, "format": "csv"}).content.decode(
                    "utf-8-sig"
                )
            )
        )
    )
    assert {row["computed_rating"] for row in rows if row["target"] == "2"} == {"R"}
    assert {row["status"] for row in rows if row["target"] == "2"} == {"within"}
    workbook = load_workbook(
        io.BytesIO(client.get(reverse("returns:export"), {**export, "format": "xlsx"}).content)
    )
    sheet = workbook.active
    header = [cell.value for cell in sheet[1]]
    target_column, rating_column = header.index("target"), header.index("computed_rating")
    assert {
        row[rating_column]
        for row in sheet.iter_rows(min_row=2, values_only=True)
        if str(row[target_column]) == "2"
    } == {"R"}

    # The issued paper is unchanged, and lists the re-rating among its restatements.
    issued.refresh_from_db()
    assert issued.snapshot == frozen
    assert issued.verify()
    listed = restatements(issued, user=world.director)
    (rule,) = listed.rules
    assert (rule.target, rule.reason, rule.lines_changed) == ("2", WHY, 4)
    client.force_login(world.director)
    issued_page = client.get(reverse("papers:issued", args=[issued.pk])).content.decode()
    assert WHY in issued_page


def test_only_an_administrator_of_the_targets_changes_a_rule(world):
    with pytest.raises(PermissionDenied):
        change_target_rule(
            target=council_tax(world),
            values=NEW_RULE,
            actor=make_user(PROGRAMME_MANAGER, sub_region=world.sub_regions[0]),
            reason=WHY,
        )
    assert not Rerating.objects.exists()
    assert {line.computed_rating for line in lines_of(council_tax(world))} == {"A"}


def test_a_change_needs_a_reason_and_a_valid_rule(world, admin_user):
    with pytest.raises(ValidationError, match="Say why"):
        change_target_rule(target=council_tax(world), values=NEW_RULE, actor=admin_user, reason=" ")
    with pytest.raises(ValidationError):
        change_target_rule(
            target=council_tax(world),
            values={"tolerance": Decimal(-1)},
            actor=admin_user,
            reason=WHY,
        )
    assert not Rerating.objects.exists()
    council_tax(world).refresh_from_db()
    assert council_tax(world).tolerance != Decimal(-1)


def test_nothing_changed_records_nothing(world, admin_user):
    target = council_tax(world)
    same = {"threshold": target.threshold}

    assert change_target_rule(target=target, values=same, actor=admin_user, reason=WHY) is None
    assert not Rerating.objects.exists()


def test_the_rule_page_changes_the_rule_and_says_how_many_lines_changed(client, world, admin_user):
    target = council_tax(world)
    client.force_login(admin_user)
    page = client.get(reverse("rules:target", args=[target.pk]))
    form = page.context["form"]
    # What the page's form holds, posted back as a browser would, with the margin changed.
    data = {}
    for name in form.fields:
        value = form[name].value()
        data[name] = "" if value is None else value
    data.update({"amber_margin": "2", "reason": WHY})

    response = client.post(reverse("rules:target", args=[target.pk]), data, follow=True)

    assert response.status_code == 200, response.context["form"].errors
    assert "4 lines re-rated, 4 of them with a new rating" in response.content.decode()
    assert {line.computed_rating for line in lines_of(target)} == {"R"}

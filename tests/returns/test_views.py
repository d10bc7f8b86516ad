"""The returns pages: list, return page with sign-off, grid entry, line page, copy forward."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from returns import services
from returns.models import LineState, Rating, Return, ReturnStatus
from tests.factories import AuthorityFactory
from tests.returns.test_services import Q2, Q3, line_of, make_world, open_


@pytest.fixture
def world(db):
    return make_world()


@pytest.fixture
def return_obj(world):
    return open_(world)


def field_name(line) -> str:
    return f"v-{line.pk}"


def grid_post(return_obj, values: dict, *, base=None) -> dict:
    """A grid POST as the browser sends it: every cell, its hidden initial, the version."""
    data = {"version": str(return_obj.version if base is None else base)}
    for line in return_obj.lines.select_related("target__measure"):
        name = field_name(line)
        current = "" if line.actual is None else f"{line.actual.normalize():f}"
        data[f"initial-{name}"] = current
        data[name] = values.get(line.pk, current)
    return data


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# ------------------------------------------------------------------------------ the list


def test_list_scopes_a_programme_manager_to_their_sub_region(client, world, return_obj):
    other = services.open_return(
        sub_region=world.other_region,
        target_set=world.target_set,
        quarter=Q3,
        actor=world.pm_other,
    )[0]
    client.force_login(world.pm)

    response = client.get(reverse("returns:list"))

    assert response.status_code == 200
    rows = list(response.context["table"].data)
    assert [row.pk for row in rows] == [return_obj.pk]
    assert reverse("returns:detail", args=[other.pk]) not in response.content.decode()
    assert "Start a return" in response.content.decode()


@pytest.mark.parametrize("role", ["board", "director", "admin"])
def test_list_shows_readers_every_return_and_no_start_form(client, world, return_obj, role):
    services.open_return(
        sub_region=world.other_region,
        target_set=world.target_set,
        quarter=Q3,
        actor=world.pm_other,
    )
    client.force_login(getattr(world, role))

    response = client.get(reverse("returns:list"))

    assert len(list(response.context["table"].data)) == 2
    assert "start_form" not in response.context
    assert "Start a return" not in response.content.decode()


def test_list_filters_by_status_quarter_and_sub_region(client, world, return_obj):
    earlier = open_(world, Q2)
    services.submit_return(return_obj=earlier, actor=world.pm)
    client.force_login(world.board)
    url = reverse("returns:list")

    def pks(**params):
        response = client.get(url, params)
        return sorted(row.pk for row in response.context["table"].data)

    assert pks(status="submitted") == [earlier.pk]
    assert pks(quarter="2009-3") == [return_obj.pk]
    assert pks(sub_region=world.other_region.pk) == []
    assert pks(target_set=world.target_set.pk, sub_region=world.sub_region.pk) == sorted(
        [earlier.pk, return_obj.pk]
    )


def test_list_shows_progress_and_status(client, world, return_obj):
    services.update_lines(
        return_obj=return_obj,
        changes={(world.county.pk, world.invoices.pk): {"state": "value", "actual": 96}},
        actor=world.pm,
        channel="web",
    )
    client.force_login(world.pm)

    page = text(client.get(reverse("returns:list")))

    assert "1 of 5" in page
    assert "2009/10 Q3" in page
    assert "Draft" in page


def test_programme_manager_starts_a_return_and_lands_on_its_grid(client, world):
    client.force_login(world.pm)

    response = client.post(
        reverse("returns:list"), {"target_set": world.target_set.pk, "quarter": "2009-3"}
    )

    return_obj = Return.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("returns:edit", args=[return_obj.pk])
    assert return_obj.sub_region == world.sub_region
    assert return_obj.period == Q3
    assert return_obj.lines.count() == 5
    # Starting it again opens the same return.
    again = client.post(
        reverse("returns:list"), {"target_set": world.target_set.pk, "quarter": "2009-3"}
    )
    assert again["Location"] == response["Location"]
    assert "already exists" in messages_of(again)[-1]


def test_start_refuses_a_quarter_outside_the_target_sets_period(client, world):
    world.target_set.in_force_from = date(2009, 4, 1)
    world.target_set.save()
    client.force_login(world.pm)

    response = client.post(
        reverse("returns:list"), {"target_set": world.target_set.pk, "quarter": "2008-4"}
    )

    assert response.status_code == 200
    assert "was not in force in 2008/09 Q4" in response.content.decode()
    assert not Return.objects.exists()


# --------------------------------------------------------------------------- return page


def test_return_page_shows_header_history_and_the_read_only_grid(client, world, return_obj):
    services.update_lines(
        return_obj=return_obj,
        changes={
            (world.county.pk, world.invoices.pk): {
                "state": "value",
                "actual": Decimal("92.79"),
                "comment": "Finance system, September.",
            },
        },
        actor=world.pm,
        channel="web",
    )
    services.submit_return(return_obj=return_obj, actor=world.pm, comment="All in.")
    services.send_back_return(
        return_obj=return_obj, actor=world.director, comment="Check the county's invoices."
    )
    client.force_login(world.board)

    response = client.get(reverse("returns:detail", args=[return_obj.pk]))

    page = text(response)
    assert response.status_code == 200
    for expected in ("Derbyshire", "Stretch targets", "2009/10 Q3", "Returned for changes"):
        assert expected in page
    # Every transition: from → to, who, comment.
    assert "Draft → Submitted" in page
    assert "Submitted → Returned for changes" in page
    assert "Pat Moss" in page
    assert "Chris Allison" in page
    assert "Check the county&#x27;s invoices." in page
    # The grid, read-only: the value as the papers write it, the rating letter, the comment.
    assert "92.79%" in page
    assert '<span class="cell__value">' in page
    assert "<input" not in page.split('id="grid-title"')[1]
    assert 'class="cell__rag rag rag--A"' in page
    assert "Has a comment" in page
    # The sub-region's overall row, with its explanation.
    overall = response.context["grid"].overall
    assert [item.target.number for item in overall] == ["2", "3", "1", "4"]
    assert "Derbyshire overall" in page
    assert overall[2].result.explanation in response.content.decode()
    assert "Why" in page
    # Board members read: no sign-off buttons.
    assert response.context["actions"] == []


@pytest.mark.parametrize(
    ("status", "who", "buttons"),
    [
        (ReturnStatus.DRAFT, "pm", ["Submit for sign-off"]),
        (ReturnStatus.RETURNED, "pm", ["Submit for sign-off"]),
        (ReturnStatus.SUBMITTED, "pm", []),
        (ReturnStatus.DRAFT, "director", []),
        (ReturnStatus.SUBMITTED, "director", ["Approve", "Return with comment"]),
        (ReturnStatus.APPROVED, "director", ["Reopen"]),
        (ReturnStatus.APPROVED, "pm", []),
        (ReturnStatus.SUBMITTED, "board", []),
        (ReturnStatus.SUBMITTED, "admin", []),
    ],
)
def test_sign_off_buttons_follow_permission_and_status(
    client, world, return_obj, status, who, buttons
):
    Return.objects.filter(pk=return_obj.pk).update(status=status)
    client.force_login(getattr(world, who))

    response = client.get(reverse("returns:detail", args=[return_obj.pk]))

    assert [action["step"].button for action in response.context["actions"]] == buttons
    for label in buttons:
        assert f">{label}</button>" in response.content.decode()


def test_sign_off_through_the_pages(client, world, return_obj):
    detail = reverse("returns:detail", args=[return_obj.pk])
    client.force_login(world.pm)
    response = client.post(
        reverse("returns:submit", args=[return_obj.pk]), {"comment": "", "confirm_all": "on"}
    )
    assert response["Location"] == detail
    client.force_login(world.director)

    refused = client.post(reverse("returns:send-back", args=[return_obj.pk]), {"comment": ""})
    assert refused.status_code == 200
    assert "This field is required." in refused.content.decode()
    assert Return.objects.get(pk=return_obj.pk).status == ReturnStatus.SUBMITTED

    client.post(reverse("returns:approve", args=[return_obj.pk]), {"comment": "Fine."})
    assert Return.objects.get(pk=return_obj.pk).status == ReturnStatus.APPROVED
    client.post(reverse("returns:reopen", args=[return_obj.pk]), {"comment": "Derby corrected."})

    page = text(client.get(detail))
    assert "Approved → Draft" in page
    assert "Derby corrected." in page
    assert Return.objects.get(pk=return_obj.pk).status == ReturnStatus.DRAFT


def test_a_step_the_status_does_not_allow_is_refused_with_a_message(client, world, return_obj):
    client.force_login(world.director)

    response = client.post(reverse("returns:approve", args=[return_obj.pk]), {"comment": ""})

    assert response.status_code == 302
    assert "cannot become approved" in messages_of(response)[0]
    assert Return.objects.get(pk=return_obj.pk).status == ReturnStatus.DRAFT


# ------------------------------------------------------------------------------- the grid


def test_grid_has_a_labelled_input_per_line_and_n_a_cells_without_input(client, world, return_obj):
    services.update_lines(
        return_obj=return_obj,
        changes={
            (world.county.pk, world.social_care.pk): {
                "state": "value",
                "actual": 3,
                "comment": "Published in November.",
            }
        },
        actor=world.pm,
        channel="web",
    )
    client.force_login(world.pm)

    response = client.get(reverse("returns:edit", args=[return_obj.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    inputs = re.findall(r"<(?:input|select)[^>]*data-grid-cell[^>]*>", html)
    assert len(inputs) == 5  # one per line, none where a target does not apply
    assert 'aria-label="Derbyshire District 1 – target 1 actual"' in html
    assert 'aria-label="Derbyshire CC – target 2 actual"' in html
    # Levels as a select with their labels, the stored level selected; yes/no as a select.
    care = line_of(return_obj, world.county, world.social_care)
    select = re.search(rf'<select name="{field_name(care)}".*?</select>', html, re.S).group(0)
    assert '<option value="3" selected>3 – Performing well</option>' in select
    laa = line_of(return_obj, world.county, world.laa_target)
    select = re.search(rf'<select name="{field_name(laa)}".*?</select>', html, re.S).group(0)
    assert '<option value="1">Yes</option>' in select
    # Numbers as text (so "92.79%" can be typed), each with its hidden initial value.
    invoices = line_of(return_obj, world.county, world.invoices)
    assert f'name="initial-{field_name(invoices)}"' in html
    assert 'inputmode="decimal"' in html
    # Ratings as letters with the RAG class; comment marker with an accessible label.
    assert 'class="cell__rag rag rag--G"' in html
    assert "Has a comment" in html
    # n/a cells: the district against the LAA and the county/unitary targets.
    assert html.count('class="cell cell--na"') == 3
    assert "target 3 does not apply to Derbyshire District 1" in html
    # Keyboard script, no inline script; the hidden version.
    assert re.search(r'<script src="/static/js/grid\.js" defer></script>', html)
    assert "<script>" not in html
    assert f'name="version" value="{return_obj.version}"' in html


def test_grid_columns_follow_theme_order_then_priority(client, world, return_obj):
    client.force_login(world.pm)

    response = client.get(reverse("returns:edit", args=[return_obj.pk]))

    grid = response.context["grid"]
    assert [theme.name for theme in grid.themes] == ["Outcomes", "Efficiency"]
    assert [target.number for target in grid.targets] == ["2", "3", "1", "4"]
    assert [row.authority for row in grid.rows] == [world.county, world.district]


def test_saving_the_grid_rates_the_values_and_keeps_the_draft(client, world, return_obj):
    invoices = line_of(return_obj, world.county, world.invoices)
    care = line_of(return_obj, world.county, world.social_care)
    days = line_of(return_obj, world.district, world.benefits)
    client.force_login(world.pm)

    response = client.post(
        reverse("returns:edit", args=[return_obj.pk]),
        grid_post(return_obj, {invoices.pk: "92.79%", care.pk: "3", days.pk: "25 days"}),
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("returns:edit", args=[return_obj.pk])
    assert "Saved 3 changes" in messages_of(response)[0]
    invoices.refresh_from_db()
    assert (invoices.actual, invoices.state) == (Decimal("92.79"), LineState.VALUE)
    assert invoices.effective_rating == Rating.AMBER
    care.refresh_from_db()
    assert care.effective_rating == Rating.GREEN
    days.refresh_from_db()
    assert days.effective_rating == Rating.RED  # 25 days against 20, lower is better
    assert invoices.history.latest("history_date").history_change_reason == "web"
    return_obj.refresh_from_db()
    assert return_obj.status == ReturnStatus.DRAFT
    page = client.get(response["Location"]).content.decode()
    assert 'class="cell__rag rag rag--A"' in page


def test_clearing_a_value_puts_the_line_back_to_awaiting(client, world, return_obj):
    invoices = line_of(return_obj, world.county, world.invoices)
    services.update_lines(
        return_obj=return_obj,
        changes={(world.county.pk, world.invoices.pk): {"state": "value", "actual": 96}},
        actor=world.pm,
        channel="web",
    )
    return_obj.refresh_from_db()
    client.force_login(world.pm)

    client.post(
        reverse("returns:edit", args=[return_obj.pk]), grid_post(return_obj, {invoices.pk: ""})
    )

    invoices.refresh_from_db()
    assert (invoices.actual, invoices.state) == (None, LineState.AWAITING)
    assert invoices.effective_rating == Rating.GREY


@pytest.mark.parametrize(
    ("target", "typed", "message"),
    [
        ("invoices", "104%", "over 100% for a percentage"),
        ("invoices", "ninety", "is not a number"),
        ("benefits", "-3", "cannot be negative"),
        ("social_care", "7", "not on the scale"),
    ],
)
def test_an_invalid_cell_is_shown_at_the_cell_and_nothing_is_saved(
    client, world, return_obj, target, typed, message
):
    authority = world.district if target == "benefits" else world.county
    bad = line_of(return_obj, authority, getattr(world, target))
    good = line_of(return_obj, world.district, world.invoices)
    client.force_login(world.pm)

    response = client.post(
        reverse("returns:edit", args=[return_obj.pk]),
        grid_post(return_obj, {bad.pk: typed, good.pk: "96"}),
    )

    html = response.content.decode()
    assert response.status_code == 200
    name = field_name(bad)
    widget = re.search(rf'<(?:input|select)[^>]*name="{name}"[^>]*>', html).group(0)
    assert 'aria-invalid="true"' in widget
    assert f'aria-describedby="id_{name}_error"' in widget
    assert re.search(
        rf'<ul class="errorlist" id="id_{name}_error"><li>[^<]*{re.escape(message)}', html
    )
    assert "cell--invalid" in html
    assert "Nothing was saved" in html
    # What was typed is kept; nothing of the submission is saved.
    assert f'value="{typed}"' in widget or "<select" in widget
    good.refresh_from_db()
    assert good.actual is None
    assert Return.objects.get(pk=return_obj.pk).version == return_obj.version


def test_a_locked_return_shows_the_grid_read_only_and_refuses_a_save(client, world, return_obj):
    invoices = line_of(return_obj, world.county, world.invoices)
    data = grid_post(return_obj, {invoices.pk: "96"})
    services.submit_return(return_obj=return_obj, actor=world.pm)
    services.approve_return(return_obj=return_obj, actor=world.director)
    client.force_login(world.pm)

    page = client.get(reverse("returns:edit", args=[return_obj.pk]))
    refused = client.post(reverse("returns:edit", args=[return_obj.pk]), data)

    html = page.content.decode()
    assert page.status_code == 200
    assert "approved and locked" in html
    assert "the Director must reopen it" in html
    assert "data-grid-cell" not in html
    assert "Save as draft" not in html
    assert refused.status_code == 302
    assert "locked" in messages_of(refused)[0]
    invoices.refresh_from_db()
    assert invoices.actual is None


def test_copy_forward_button_copies_the_previous_quarter(client, world):
    earlier = open_(world, Q2)
    services.update_lines(
        return_obj=earlier,
        changes={(world.county.pk, world.invoices.pk): {"state": "value", "actual": 96}},
        actor=world.pm,
        channel="web",
    )
    later = open_(world, Q3)
    client.force_login(world.pm)

    page = client.get(reverse("returns:edit", args=[later.pk])).content.decode()
    response = client.post(reverse("returns:copy-forward", args=[later.pk]))

    assert "Copy forward from 2009/10 Q2" in page
    assert response["Location"] == reverse("returns:edit", args=[later.pk])
    assert "Copied 1 line forward from 2009/10 Q2" in messages_of(response)[0]
    assert line_of(later, world.county, world.invoices).actual == Decimal("96")


def test_copy_forward_without_a_previous_quarter_says_so(client, world, return_obj):
    client.force_login(world.pm)

    response = client.post(reverse("returns:copy-forward", args=[return_obj.pk]))

    assert "Nothing was copied: There is no 2009/10 Q2 return" in messages_of(response)[0]


# ------------------------------------------------------------------------------- a line


def test_line_page_shows_all_fields_and_the_history(client, world, return_obj):
    line = line_of(return_obj, world.county, world.invoices)
    services.update_lines(
        return_obj=return_obj,
        changes={(world.county.pk, world.invoices.pk): {"state": "value", "actual": 90}},
        actor=world.pm,
        channel="web",
    )
    services.update_lines(
        return_obj=return_obj,
        changes={(world.county.pk, world.invoices.pk): {"actual": Decimal("96.5")}},
        actor=world.pm,
        channel="import: q3.csv row 4",
    )
    client.force_login(world.pm)

    response = client.get(reverse("returns:line", args=[return_obj.pk, line.pk]))

    page = text(response)
    assert response.status_code == 200
    for name in (
        "state",
        "actual",
        "target_value",
        "date_of_data",
        "manual_rating",
        "manual_reason",
        "comment",
        "source",
    ):
        assert f'name="{name}"' in page
    history = response.context["history"]
    assert [entry.channel for entry in history] == ["import: q3.csv row 4", "web", "Line created"]
    assert history[0].who == "Pat Moss"
    assert ("Value", "90%", "96.5%") in [(c.label, c.old, c.new) for c in history[0].changes]
    assert "Awaiting data → Value given" in page
    assert "90% → 96.5%" in page
    assert "Amber → Green" in page  # 90% is 5.3% short of 95%: Amber


def test_line_page_saves_every_field(client, world, return_obj):
    line = line_of(return_obj, world.county, world.invoices)
    client.force_login(world.pm)

    response = client.post(
        reverse("returns:line", args=[return_obj.pk, line.pk]),
        {
            "version": return_obj.version,
            "state": "value",
            "actual": "91",
            "target_value": "92",
            "date_of_data": "2009-12-01",
            "manual_rating": "G",
            "manual_reason": "The last month was 96%.",
            "comment": "Improving.",
            "source": "Finance system",
        },
    )

    assert response.status_code == 302
    line.refresh_from_db()
    assert line.actual == Decimal("91")
    assert line.target_value == Decimal("92")
    assert line.date_of_data == date(2009, 12, 1)
    # 91% against at least 92% is short: Amber by the rule, whatever the sub-region's own G.
    assert (line.computed_rating, line.manual_rating, line.effective_rating) == ("A", "G", "A")
    assert line.overridden
    assert line.comment == "Improving."


def test_line_page_marks_a_line_not_applicable_with_its_reason(client, world, return_obj):
    line = line_of(return_obj, world.county, world.invoices)
    client.force_login(world.pm)
    url = reverse("returns:line", args=[return_obj.pk, line.pk])
    base = {"version": return_obj.version, "state": "not_applicable", "actual": ""}

    refused = client.post(url, base)
    accepted = client.post(url, {**base, "state_reason": "Not relevant for this council."})

    assert refused.status_code == 200
    assert "Say why the target does not apply" in refused.content.decode()
    assert accepted.status_code == 302
    line.refresh_from_db()
    assert (line.state, line.effective_rating, line.counted) == ("not_applicable", "NA", False)
    assert line.state_reason == "Not relevant for this council."


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"date_of_data": "2999-01-01"}, "date_of_data", "cannot be in the future"),
        ({"actual": "101"}, "actual", "over 100% for a percentage"),
        ({"manual_rating": "R", "manual_reason": ""}, "manual_reason", "needs its reason"),
        ({"state": "awaiting"}, "state", "A value is given"),
        ({"actual": ""}, "actual", "Enter the value"),
    ],
)
def test_line_page_validation_is_shown_at_the_field(
    client, world, return_obj, changes, field, message
):
    line = line_of(return_obj, world.county, world.invoices)
    client.force_login(world.pm)
    data = {
        "version": return_obj.version,
        "state": "value",
        "actual": "91",
        "target_value": "95",
        "date_of_data": (date.today() - timedelta(days=1)).isoformat(),
        "manual_rating": "",
        "manual_reason": "",
        "comment": "",
        "source": "",
    }

    response = client.post(
        reverse("returns:line", args=[return_obj.pk, line.pk]), {**data, **changes}
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    assert response.context["form"].errors[field]
    line.refresh_from_db()
    assert line.actual is None


def test_readers_see_the_line_page_without_a_form(client, world, return_obj):
    line = line_of(return_obj, world.county, world.invoices)
    client.force_login(world.director)

    response = client.get(reverse("returns:line", args=[return_obj.pk, line.pk]))

    assert response.status_code == 200
    assert response.context["form"] is None
    assert 'name="actual"' not in response.content.decode()


def test_a_line_of_another_return_is_404(client, world, return_obj):
    other = open_(world, Q2)
    line = other.lines.first()
    client.force_login(world.pm)

    response = client.get(reverse("returns:line", args=[return_obj.pk, line.pk]))

    assert response.status_code == 404


# ---------------------------------------------------------------------------- query counts


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("url_name", ["returns:edit", "returns:detail"])
def test_grid_and_return_pages_run_a_constant_number_of_queries(client, db, url_name):
    small = make_world(districts=1, name="Small")
    large = make_world(districts=9, name="Large")
    counts = []
    for world in (small, large):
        return_obj = open_(world)
        services.update_lines(
            return_obj=return_obj,
            changes={
                (district.pk, world.invoices.pk): {"state": "value", "actual": 90, "comment": "x"}
                for district in world.districts
            },
            actor=world.pm,
            channel="web",
        )
        for step in range(2):
            services.submit_return(return_obj=return_obj, actor=world.pm, comment=str(step))
            services.send_back_return(return_obj=return_obj, actor=world.director, comment="why")
        client.force_login(world.pm)
        counts.append(count_queries(client, reverse(url_name, args=[return_obj.pk])))

    assert counts[0] == counts[1]
    assert counts[1] <= 22


def test_list_page_runs_a_constant_number_of_queries(client, db):
    world = make_world()
    for quarter in (Q2, Q3):
        open_(world, quarter)
    client.force_login(world.board)
    few = count_queries(client, reverse("returns:list"))
    for year in (2008, 2010):
        for number in (1, 2, 3, 4):
            services.open_return(
                sub_region=world.sub_region,
                target_set=world.target_set,
                quarter=type(Q2)(year, number),
                actor=world.pm,
            )
    AuthorityFactory(sub_region=world.sub_region)

    assert count_queries(client, reverse("returns:list")) == few


def test_start_form_suggests_the_quarter_after_the_latest_return(client, world, return_obj):
    client.force_login(world.pm)

    form = client.get(reverse("returns:list")).context["start_form"]

    assert form.initial == {"target_set": world.target_set.pk, "quarter": "2009-4"}

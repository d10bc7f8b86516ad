"""Two people editing the same return: the second save is refused, shown what changed, and
keeps what they typed; nothing is overwritten."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from authorities.roles import PROGRAMME_MANAGER
from returns import services
from returns.models import Return
from tests.factories import make_user
from tests.returns.test_services import line_of, make_world, open_


@pytest.fixture
def world(db):
    world = make_world()
    world.colleague = make_user(
        PROGRAMME_MANAGER, sub_region=world.sub_region, first_name="Sam", last_name="Reed"
    )
    return world


@pytest.fixture
def return_obj(world):
    return open_(world)


def loaded_grid(client: Client, return_obj) -> dict[str, str]:
    """What the browser would post back from the grid page as loaded."""
    return form_data(client.get(reverse("returns:edit", args=[return_obj.pk])))


def form_data(response) -> dict[str, str]:
    """Every input's and select's value on a grid page, as the browser posts them."""
    html = response.content.decode()
    data = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        if name and name.group(1) != "csrfmiddlewaretoken":
            value = re.search(r'value="([^"]*)"', tag)
            data[name.group(1)] = value.group(1) if value else ""
    for select in re.finditer(r'<select name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', select.group(2))
        data[select.group(1)] = chosen.group(1) if chosen else ""
    return data


def test_the_second_save_is_refused_with_what_changed_and_keeps_the_entries(world, return_obj):
    first, second = Client(), Client()
    first.force_login(world.pm)
    second.force_login(world.colleague)
    county = line_of(return_obj, world.county, world.invoices)
    district = line_of(return_obj, world.district, world.invoices)
    url = reverse("returns:edit", args=[return_obj.pk])

    # Both load the grid at the same version.
    first_form, second_form = loaded_grid(first, return_obj), loaded_grid(second, return_obj)
    assert first_form["version"] == second_form["version"] == "1"

    # The first saves the county's value.
    saved = first.post(url, {**first_form, f"v-{county.pk}": "96"})
    assert saved.status_code == 302

    # The second, from the old page, enters the county and the district: refused.
    refused = second.post(url, {**second_form, f"v-{county.pk}": "80", f"v-{district.pk}": "91"})

    html = refused.content.decode()
    assert refused.status_code == 409
    assert "Someone else changed this return while you were editing it" in html
    conflict = refused.context["conflict"]
    assert [(row["authority"], row["value"], row["who"]) for row in conflict] == [
        ("Derbyshire CC", "96%", "Pat Moss")
    ]
    assert conflict[0]["target"].startswith("1. Invoices paid in 30 days")
    assert "Pat Moss" in html
    # The database holds the first's value; nothing of the second's was saved.
    county.refresh_from_db()
    district.refresh_from_db()
    assert county.actual == Decimal("96")
    assert district.actual is None
    assert Return.objects.get(pk=return_obj.pk).version == 2
    # The second's own entries are shown again, on the current version, ready to save again.
    form = refused.context["form"]
    assert form["version"].value() == "2"
    assert form[f"v-{county.pk}"].value() == "80"
    assert form[f"v-{district.pk}"].value() == "91"
    assert re.search(rf'name="v-{district.pk}" value="91"', html)
    assert "your entry is shown" in html


def test_saving_again_after_a_refusal_keeps_the_other_persons_untouched_cells(world, return_obj):
    first, second = Client(), Client()
    first.force_login(world.pm)
    second.force_login(world.colleague)
    county = line_of(return_obj, world.county, world.invoices)
    district = line_of(return_obj, world.district, world.invoices)
    url = reverse("returns:edit", args=[return_obj.pk])
    first_form, second_form = loaded_grid(first, return_obj), loaded_grid(second, return_obj)
    first.post(url, {**first_form, f"v-{county.pk}": "96"})

    refused = second.post(url, {**second_form, f"v-{district.pk}": "91"})
    assert refused.status_code == 409
    # The re-displayed page posted back as it is: only the second's own cell is written.
    again = second.post(url, form_data(refused))

    assert again.status_code == 302
    county.refresh_from_db()
    district.refresh_from_db()
    assert county.actual == Decimal("96")  # the first's value was not overwritten
    assert district.actual == Decimal("91")
    assert district.updated_by == world.colleague


def test_a_stale_line_page_save_is_refused_too(world, return_obj):
    first, second = Client(), Client()
    first.force_login(world.pm)
    second.force_login(world.colleague)
    county = line_of(return_obj, world.county, world.invoices)
    line_url = reverse("returns:line", args=[return_obj.pk, county.pk])
    fields = {
        "version": "1",
        "state": "value",
        "actual": "90",
        "target_value": "95",
        "date_of_data": "",
        "manual_rating": "",
        "manual_reason": "",
        "comment": "",
        "source": "",
    }
    assert first.post(line_url, {**fields, "actual": "96"}).status_code == 302

    refused = second.post(line_url, {**fields, "actual": "80", "comment": "From the old page"})

    assert refused.status_code == 409
    assert "Someone else changed this return" in refused.content.decode()
    assert refused.context["form"]["comment"].value() == "From the old page"
    assert refused.context["form"]["version"].value() == "2"
    county.refresh_from_db()
    assert county.actual == Decimal("96")
    assert county.comment == ""


def test_a_sign_off_step_meanwhile_makes_the_grid_refuse_the_save(world, return_obj):
    client = Client()
    client.force_login(world.pm)
    county = line_of(return_obj, world.county, world.invoices)
    form = loaded_grid(client, return_obj)
    services.submit_return(return_obj=return_obj, actor=world.pm)

    response = client.post(
        reverse("returns:edit", args=[return_obj.pk]), {**form, f"v-{county.pk}": "96"}
    )

    assert response.status_code == 302
    county.refresh_from_db()
    assert county.actual is None

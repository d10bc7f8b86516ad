"""Audit completeness (issue 12, item 7): the reference data, the roles and the Board papers keep
every change with its old and new values, who made it and when; an administrator answers "who
changed this threshold, when, from what" from a page (/admin/changes/, riep/audit.py) and from
each object's history page in the admin; the history reverts nothing."""

from __future__ import annotations

import datetime
import shutil
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from authorities.history import recorded_as, start_history
from authorities.models import Authority, Membership
from authorities.roles import ADMINISTRATOR, BOARD_MEMBER, DIRECTOR
from reports.models import Meeting, Section
from reports.papers import services as paper_services
from returns.rule_views import TargetRuleForm
from riep.management.commands.load_reference_data import LOAD_REASON
from targets.models import Target, TargetLineage
from tests.factories import AuthorityFactory, SubRegionFactory, TargetFactory, make_user

CHANGES = "/admin/changes/"


@pytest.fixture
def administrator(client, db):
    # National: the changes page spans every region (issue 13); see the regional one below.
    user = make_user(ADMINISTRATOR, username="ada", is_staff=True, national=True)
    client.force_login(user)
    return user


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root", "root@example.org", "pw")


def rule_form_data(target: Target, reason: str, **changes) -> dict:
    """The rule page's form as it stands for ``target``, with ``changes``."""
    form = TargetRuleForm(instance=target)
    data = {"reason": reason}
    for name in form.fields:
        if name == "reason":
            continue
        value = changes.get(name, form[name].value())
        if value is True:
            data[name] = "on"
        elif value not in (None, False):
            data[name] = str(value)
    return data


def changes_page(client, **query) -> str:
    response = client.get(CHANGES, query)
    assert response.status_code == 200
    return response.content.decode()


# ------------------------------------------------------------------ who changed this threshold


def test_a_threshold_changed_on_the_rule_page_shows_who_when_and_from_what(client, administrator):
    target = TargetFactory(code="st-05", threshold=Decimal("95"))

    response = client.post(
        reverse("rules:target", args=[target.pk]),
        rule_form_data(target, "The Board lowered the bar", threshold="90"),
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.threshold == Decimal("90")

    page = changes_page(client, kind="targets.target", field="threshold")
    assert "st-05" in page
    assert '95</span> → <span class="new">90' in page
    assert ">ada<" in page  # who
    assert f"{timezone.localdate():%d %b %Y}".lstrip("0") in page  # when
    assert "The Board lowered the bar" in page  # why (the rule page's reason)
    # The same, on the target's own history page in the admin.
    history = client.get(reverse("admin:targets_target_history", args=[target.pk]))
    assert history.status_code == 200
    text = history.content.decode()
    assert "threshold" in text.lower()
    assert "95" in text
    assert "90" in text
    assert "ada" in text


def test_a_change_in_the_admin_shows_who_when_and_from_what(client, administrator):
    """The threshold itself is read-only in the admin (a change re-rates the lines: the rule
    page's); its words, the paper's pass mark quoted, are changed here."""
    target = TargetFactory(code="st-07", threshold_words="at least 95%")
    url = reverse("admin:targets_target_change", args=[target.pk])
    page = client.get(url)
    assert "threshold" in page.context["adminform"].readonly_fields
    form = page.context["adminform"].form
    data = {
        name: ("" if value is None else value)
        for name, value in {
            name: form[name].value() for name in form.fields if not form.fields[name].disabled
        }.items()
        if value is not False
    }
    data.update(
        {
            "threshold_words": "95% or more",
            "earlier_links-TOTAL_FORMS": "0",
            "earlier_links-INITIAL_FORMS": "0",
            "year_targets-TOTAL_FORMS": "0",
            "year_targets-INITIAL_FORMS": "0",
            "milestones-TOTAL_FORMS": "0",
            "milestones-INITIAL_FORMS": "0",
        }
    )
    data = {key: (value.pk if hasattr(value, "pk") else value) for key, value in data.items()}

    response = client.post(url, data)

    assert response.status_code == 302, (
        response.context["adminform"].form.errors,
        [inline.formset.prefix for inline in response.context["inline_admin_formsets"]],
        [inline.formset.non_form_errors() for inline in response.context["inline_admin_formsets"]],
    )
    page = changes_page(client, kind="targets.target", field="threshold_words")
    assert 'at least 95%</span> → <span class="new">95% or more' in page
    assert ">ada<" in page


def test_roles_and_permissions_keep_their_changes(client, superuser):
    client.force_login(superuser)
    board = make_user(BOARD_MEMBER, username="bea")
    director = Group.objects.get(name=DIRECTOR)

    with recorded_as(superuser):  # as in the admin, whose requests name the user
        board.groups.add(director)
        director.permissions.remove(Permission.objects.get(codename="approve_return"))

    page = changes_page(client, kind="auth.user")
    assert "bea" in page
    assert 'added <span class="new">Director</span>; removed <span class="old">—' in page
    page = changes_page(client, kind="auth.group")
    assert (
        'added <span class="new">—</span>; removed <span class="old">returns.approve_return' in page
    )
    assert ">root<" in page


def test_the_user_admin_records_who_gave_a_role(client, superuser):
    client.force_login(superuser)
    user = make_user(None, username="newcomer")
    url = reverse("admin:auth_user_change", args=[user.pk])
    form = client.get(url).context["adminform"].form
    data = {
        name: form[name].value()
        for name in form.fields
        if form[name].value() not in (None, False) and name != "password"
    }
    data["groups"] = [Group.objects.get(name=DIRECTOR).pk]
    data["date_joined_0"], data["date_joined_1"] = str(user.date_joined.date()), "00:00:00"
    data.pop("date_joined", None)
    data.pop("last_login", None)

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    record = user.history.first()
    assert record.history_user == superuser
    assert list(record.groups.values_list("group__name", flat=True)) == [DIRECTOR]
    assert not hasattr(record, "password")  # the hash is not kept


def test_membership_and_reference_data_keep_old_and_new(client, superuser):
    client.force_login(superuser)
    north, south = SubRegionFactory(name="North"), SubRegionFactory(name="South")
    user = make_user(None, username="pm-x", sub_region=north)
    authority = AuthorityFactory(name="Old Name Council")
    with recorded_as(superuser):
        membership = Membership.objects.get(user=user)
        membership.sub_region = south
        membership.save()
        authority.name = "New Name Council"
        authority.save()
        authority.delete()

    page = changes_page(client)
    assert "pm-x in South" in page
    assert 'North</span> → <span class="new">South' in page
    assert 'Old Name Council</span> → <span class="new">New Name Council' in page
    assert "deleted" in page


def test_board_papers_meetings_and_agenda_items_keep_their_text(client, superuser, db):
    client.force_login(superuser)
    director = make_user(DIRECTOR, username="chris")
    target = TargetFactory()
    with recorded_as(director):
        meeting = paper_services.create_meeting(date=datetime.date(2010, 1, 20), actor=director)
        item = paper_services.add_agenda_item(
            meeting=meeting, number=8, title="Stretch Targets Review", actor=director
        )
        paper = paper_services.start_paper(
            agenda_item=item,
            author=director,
            title="Stretch targets",
            target_set=target.target_set,
            year=2009,
            quarter=3,
            author_name="Chris Allison",
        )
        background = paper.sections.get(heading="Background")
        paper_services.save_sections(
            paper=paper,
            base_version=paper.version,
            changed=[
                paper_services.SectionEdit(
                    pk=background.pk, heading="Background", body="Six red.", order=2
                )
            ],
            deleted=[],
            actor=director,
        )
        paper_services.update_meeting(
            meeting=meeting,
            actor=director,
            body="Board",
            date=meeting.date,
            starts_at=None,
            venue="Melton Mowbray",
        )

    page = changes_page(client, kind="reports.section")
    assert "Background" in page
    assert '—</span> → <span class="new">Six red.' in page
    assert ">chris<" in page
    page = changes_page(client, kind="reports.meeting")
    assert "Board meeting, 20 January 2010" in page
    assert '—</span> → <span class="new">Melton Mowbray' in page
    assert "Stretch Targets Review" in changes_page(client, kind="reports.agendaitem")
    # The four default sections were created with their history too (bulk, with history).
    assert Section.history.filter(paper_id=paper.pk, history_type="+").count() == 4


def test_renumbering_sections_is_kept(superuser, db):
    director = make_user(DIRECTOR)
    target = TargetFactory()
    meeting = paper_services.create_meeting(date=datetime.date(2010, 1, 20), actor=director)
    item = paper_services.add_agenda_item(meeting=meeting, number=8, title="x", actor=director)
    paper = paper_services.start_paper(
        agenda_item=item,
        author=director,
        title="t",
        target_set=target.target_set,
        year=2009,
        quarter=3,
        author_name="C",
    )
    first = paper.sections.get(number=1)

    paper_services.save_sections(
        paper=paper, base_version=1, changed=[], deleted=[first.pk], actor=director
    )

    moved = Section.history.filter(paper_id=paper.pk, history_type="~", number=1).get()
    assert moved.heading == "Background"
    assert Section.history.filter(id=first.pk, history_type="-").exists()


# ------------------------------------------------------------------ what commands write


def test_a_reference_data_load_keeps_the_old_threshold_and_says_why(tmp_path, superuser, client):
    fixtures = tmp_path / "fixtures"
    shutil.copytree(Path(settings.BASE_DIR) / "fixtures", fixtures)
    call_command("load_reference_data", fixtures_dir=fixtures, verbosity=0)
    stretch = fixtures / "target_sets" / "stretch-targets.toml"
    target = Target.objects.filter(target_set__slug="stretch-targets", threshold__isnull=False)
    target = target.order_by("code").first()
    old = target.threshold
    text = stretch.read_text()
    marker = f'code = "{target.code}"'
    head, tail = text.split(marker, 1)
    assert "threshold = " in tail
    before, after = tail.split("threshold = ", 1)
    _value, rest = after.split("\n", 1)
    stretch.write_text(f"{head}{marker}{before}threshold = {old + 1}\n{rest}")

    call_command("load_reference_data", fixtures_dir=fixtures, verbosity=0)

    record = target.history.filter(history_type="~").latest()
    assert (record.prev_record.threshold, record.threshold) == (old, old + 1)
    assert record.history_change_reason == LOAD_REASON
    assert record.history_user.username == "system"
    client.force_login(superuser)
    page = changes_page(client, kind="targets.target", field="threshold")
    assert target.code in page
    assert f"{old.normalize():f}</span>" in page


def test_lineage_links_written_by_a_load_keep_their_history(db):
    call_command("load_reference_data", verbosity=0)

    assert TargetLineage.objects.count() > 0
    assert TargetLineage.history.filter(history_type="+").count() == TargetLineage.objects.count()


def test_start_history_gives_existing_rows_their_first_record(db):
    """The migrations' helper (authorities.history.start_history), on today's models: every
    row gets one more record, equal to it, its many-to-many rows included."""
    user = make_user(DIRECTOR, username="old-timer")
    target = TargetFactory(threshold=Decimal("80"))
    editor = SimpleNamespace(connection=connection)

    start_history(apps, editor, models=["targets.Target"])
    start_history(
        apps,
        editor,
        models=[settings.AUTH_USER_MODEL],
        history_app="riep",
        m2m={settings.AUTH_USER_MODEL: ["groups", "user_permissions"]},
    )

    record = target.history.latest()
    assert record.threshold == Decimal("80")
    assert record.history_change_reason.startswith("History started")
    first = user.history.latest()
    assert list(first.groups.values_list("group__name", flat=True)) == [DIRECTOR]


# ------------------------------------------------------------------ the history reverts nothing


def test_the_history_cannot_revert_a_user_to_superuser(client, superuser):
    """A revert form saves the old record whole, read-only fields included (django-simple-
    history asks only for view permission): an administrator could have restored a user's
    superuser status from an old version. Refused: the history is read-only."""
    client.force_login(superuser)
    user = make_user(None, username="once-root", is_superuser=True, is_staff=True)
    old_version = user.history.latest().history_id
    with recorded_as(superuser):
        user.is_superuser = False
        user.save()
    # National: the old superuser is bound to no region (a regional administrator's admin
    # does not list them at all, issue 13).
    administrator = make_user(ADMINISTRATOR, username="ada", is_staff=True, national=True)
    client.force_login(administrator)
    url = reverse("admin:auth_user_simple_history", args=[user.pk, old_version])

    assert client.get(url).status_code == 200  # viewing an old version is fine
    response = client.post(url, {"username": "once-root"})

    assert response.status_code == 403
    user.refresh_from_db()
    assert not user.is_superuser


def test_no_revert_button_on_a_history_page(client, administrator):
    target = TargetFactory()
    version = target.history.latest().history_id

    page = client.get(reverse("admin:targets_target_simple_history", args=[target.pk, version]))

    assert page.status_code == 200
    assert "Revert" not in page.content.decode()


# ------------------------------------------------------------------ the page itself


def test_the_changes_page_is_for_staff_who_may_read_what_it_lists(client, db):
    assert client.get(CHANGES).status_code == 302  # to the admin's sign-in
    client.force_login(make_user(BOARD_MEMBER))
    assert client.get(CHANGES).status_code == 302  # not staff
    client.force_login(make_user(None, username="bare-staff", is_staff=True))
    assert client.get(CHANGES).status_code == 403  # staff, but may read none of it


def test_each_administrator_sees_the_history_of_what_they_may_read(client, administrator):
    director = make_user(DIRECTOR)
    with recorded_as(director):
        paper_services.create_meeting(date=datetime.date(2010, 3, 1), actor=director)
    TargetFactory(code="visible-one")

    page = changes_page(client)

    assert "visible-one" in page
    assert "Board meeting, 1 March 2010" in page  # meetings: administrators read them
    kinds = [key for key, _ in client.get(CHANGES).context["form"].fields["kind"].choices]
    assert "targets.target" in kinds
    assert "auth.user" in kinds
    assert "reports.section" not in kinds
    assert "reports.paper" not in kinds


def test_the_changes_page_links_to_the_sign_in_records(client, administrator):
    page = changes_page(client)

    assert reverse("admin:axes_accesslog_changelist") in page
    assert reverse("admin:axes_accessfailurelog_changelist") in page
    assert reverse("admin:axes_accessattempt_changelist") in page
    assert reverse("audit-changes") in client.get(reverse("admin:index")).content.decode()


def test_the_changes_page_filters_by_who_and_day(client, administrator, superuser):
    with recorded_as(superuser):
        TargetFactory(code="by-root")
    with recorded_as(administrator):
        TargetFactory(code="by-ada")

    page = changes_page(client, who="root")
    assert "by-root" in page
    assert "by-ada" not in page
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    assert "No changes match" in changes_page(client, since=tomorrow.isoformat())


def test_the_changes_page_reads_a_constant_number_of_queries(
    client, administrator, django_assert_max_num_queries
):
    def count() -> int:
        from django.db import connection as conn
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(conn) as queries:
            changes_page(client)
        return len(queries)

    def write(times: int) -> None:
        with recorded_as(administrator):
            for number in range(times):
                target = TargetFactory()
                target.threshold = Decimal(number)
                target.save()
                AuthorityFactory().delete()

    write(1)
    few = count()
    write(15)
    many = count()
    # Bounded by the kinds of record on the page (a few queries each), not by their number.
    assert many <= few
    with django_assert_max_num_queries(45):
        changes_page(client)


def test_pages_of_changes(client, administrator):
    with recorded_as(administrator):
        for _ in range(60):
            AuthorityFactory()

    first = client.get(CHANGES, {"kind": "authorities.authority"})
    second = client.get(CHANGES, {"kind": "authorities.authority", "page": 2})

    assert len(first.context["page"].changes) == 50
    assert first.context["page"].has_more
    assert len(second.context["page"].changes) >= 10
    names = {c.name for c in first.context["page"].changes}
    assert not names & {c.name for c in second.context["page"].changes}
    assert Authority.history.count() >= 60
    assert Meeting.history.count() == 0


def test_a_regional_administrator_may_not_read_every_regions_changes(client, db):
    """The changes page lists the history of every region: a national user's alone (the
    admin's own lists are scoped to the administrator's region)."""
    client.force_login(make_user(ADMINISTRATOR, username="reg", is_staff=True))

    assert client.get(CHANGES).status_code == 403

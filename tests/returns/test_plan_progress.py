"""An improvement plan's progress (seed 004) through the returns workflow: who may record it,
how a commitment's progress becomes a line, Achieved and not yet due as their own states, and
the progress page (permission matrix, saving, errors, query counts)."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from authorities.roles import ADMINISTRATOR, BOARD_MEMBER, DIRECTOR, PROGRAMME_MANAGER
from returns import services
from returns.errors import InvalidLines, ServiceError
from returns.models import Basis, LineState, Overall, Rating, ReturnLine, ReturnStatus
from returns.periods import Quarter
from returns.progress import ProgressProblem, current_progress, progress_fields
from returns.selectors import quarter_ratings
from tests.factories import TargetSetFactory, make_user
from tests.plan_support import make_plan

pytestmark = pytest.mark.django_db

Q1 = Quarter(2008, 1)


@pytest.fixture
def plan():
    return make_plan()


@pytest.fixture
def director():
    return make_user(DIRECTOR)


@pytest.fixture
def opened(plan, director):
    return_obj, _ = services.open_return(
        sub_region=plan.sub_region, target_set=plan.target_set, quarter=Q1, actor=director
    )
    return return_obj


def record(return_obj, plan, actor, target, **progress):
    return services.update_lines(
        return_obj=return_obj,
        changes={(plan.council.pk, target.pk): progress_fields(**progress)},
        actor=actor,
        channel="test",
    )


def line_of(target) -> ReturnLine:
    return ReturnLine.objects.get(target=target)


# ------------------------------------------------------------------------ the pure rule


@pytest.mark.parametrize(
    ("progress", "value", "state", "manual", "reason_field"),
    [
        ("G", None, LineState.PROGRESS, "G", "manual_reason"),
        ("ACH", None, LineState.PROGRESS, "ACH", "manual_reason"),
        ("A", Decimal(90), LineState.VALUE, "A", "manual_reason"),
        ("not_yet_due", None, LineState.NOT_YET_DUE, "", "state_reason"),
        ("not_applicable", None, LineState.NOT_APPLICABLE, "", "state_reason"),
        ("", None, LineState.AWAITING, "", "comment"),
        ("", Decimal(5), LineState.VALUE, "", "comment"),
    ],
)
def test_progress_becomes_a_lines_fields(progress, value, state, manual, reason_field):
    fields = progress_fields(progress=progress, comment=" Data in Qrt 2 ", value=value)
    assert fields["state"] == state
    assert fields["manual_rating"] == manual
    assert fields[reason_field] == "Data in Qrt 2"
    assert fields["actual"] == value


@pytest.mark.parametrize(
    ("progress", "value", "field"),
    [("G", None, "comment"), ("not_yet_due", None, "comment"), ("not_yet_due", 3, "value")],
)
def test_progress_refuses_what_is_missing_with_a_clear_message(progress, value, field):
    with pytest.raises(ProgressProblem) as problem:
        progress_fields(progress=progress, comment="", value=value)
    assert problem.value.field == field


# --------------------------------------------------------------------- the returns service


def test_the_director_opens_the_plans_return_with_the_councils_line_only(plan, opened):
    lines = list(opened.lines.select_related("authority"))
    assert {line.authority for line in lines} == {plan.council}  # not Blaby, same sub-region
    assert len(lines) == 3
    # A new line starts with the year's trajectory point: Year 3 (2008/09) is 69.
    assert line_of(plan.exclusions).target_value == 69
    assert line_of(plan.recycling).target_value == 42
    assert line_of(plan.by_hand).target_value is None


def test_the_director_may_not_write_a_regional_return(plan, director):
    regional = TargetSetFactory()
    with pytest.raises(PermissionDenied):
        services.open_return(
            sub_region=plan.sub_region, target_set=regional, quarter=Q1, actor=director
        )


def test_a_plan_is_returned_by_its_councils_sub_region_only(plan, director):
    with pytest.raises(ServiceError, match="its return is Leicestershire/Rutland's"):
        services.open_return(
            sub_region=plan.other_sub_region,
            target_set=plan.target_set,
            quarter=Q1,
            actor=director,
        )


def test_another_sub_regions_programme_manager_may_not_record_it(plan, opened):
    outsider = make_user(PROGRAMME_MANAGER, sub_region=plan.other_sub_region)
    with pytest.raises(PermissionDenied):
        record(opened, plan, outsider, plan.by_hand, progress="G", comment="On track")


def test_hand_rated_achieved_stands_and_is_counted_as_achieved(plan, opened, director):
    record(opened, plan, director, plan.by_hand, progress="ACH", comment="Now in place")

    line = line_of(plan.by_hand)
    assert (line.state, line.computed_rating, line.effective_rating) == (
        LineState.PROGRESS,
        Rating.GREY,
        Rating.ACHIEVED,
    )
    overall = Overall.objects.get(
        target=plan.by_hand, sub_region__isnull=True, basis=Basis.ALL, year=2008, quarter=1
    )
    assert overall.rating == Rating.ACHIEVED
    assert overall.counts["ACH"] == 1
    assert overall.counts["G"] == 0


def test_a_figure_is_rated_by_the_trajectory_and_the_councils_rating_kept(plan, opened, director):
    # Seed 004, lines 33-34: 90 exclusions in 2007/08 against the Year 2 target of 110; the
    # council rated it Amber for the risk to the Year 3 target of 69.
    record(
        opened,
        plan,
        director,
        plan.exclusions,
        progress="A",
        comment="The risk rating is set to reflect the Year 3 target of 69.",
        value=Decimal(90),
        target_value=Decimal(110),
    )
    line = line_of(plan.exclusions)
    assert (line.computed_rating, line.manual_rating, line.effective_rating) == ("G", "A", "G")
    assert line.overridden
    assert "The council rated it Amber by hand" in line.explanation

    record(opened, plan, director, plan.recycling, progress="ACH", comment="48.12%", value=48)
    assert line_of(plan.recycling).computed_rating == Rating.ACHIEVED


def test_not_yet_due_is_never_awaiting_data(plan, opened, director):
    record(
        opened,
        plan,
        director,
        plan.by_hand,
        progress="not_yet_due",
        comment="N/A – Data will be available in Qrt 2",
    )
    line = line_of(plan.by_hand)
    assert line.effective_rating == Rating.NOT_YET_DUE
    row = Overall.objects.get(
        target=plan.by_hand, sub_region=plan.sub_region, basis=Basis.ALL, year=2008, quarter=1
    )
    assert row.rating == Rating.NOT_YET_DUE
    assert row.counts["NYD"] == 1
    assert row.counts["GREY"] == 0
    assert row.counts["missing"] == 0
    assert row.states["not_yet_due"] == 1
    assert row.states["awaiting"] == 0
    # The lines still awaiting data are the other two commitments, not this one.
    ratings = quarter_ratings(
        user=director, target_set=plan.target_set, quarter=Q1, basis=Basis.ALL
    )
    awaiting = sum(
        ratings.sub_region(target.pk, ratings.sub_regions[0]).states.get("awaiting", 0)
        for target in ratings.targets
    )
    assert awaiting == 2


def test_not_yet_due_needs_its_note_and_takes_no_rating(plan, opened, director):
    changes = {
        (plan.council.pk, plan.by_hand.pk): {
            "state": LineState.NOT_YET_DUE,
            "state_reason": "",
            "manual_rating": "G",
            "manual_reason": "x",
        }
    }
    with pytest.raises(InvalidLines) as error:
        services.update_lines(return_obj=opened, changes=changes, actor=director, channel="t")
    fields = {problem.field for problem in error.value.problems}
    assert fields == {"state_reason", "manual_rating"}
    assert line_of(plan.by_hand).state == LineState.AWAITING  # nothing written


def test_achieved_and_progress_are_a_plans_only(plan, db):
    from tests.factories import SubRegionFactory

    regional = TargetSetFactory()
    sub_region = SubRegionFactory()
    from tests.factories import AuthorityFactory, TargetFactory

    AuthorityFactory(sub_region=sub_region)
    TargetFactory(target_set=regional)
    manager = make_user(PROGRAMME_MANAGER, sub_region=sub_region)
    return_obj, _ = services.open_return(
        sub_region=sub_region, target_set=regional, quarter=Q1, actor=manager
    )
    line = return_obj.lines.get()
    for change in (
        {"manual_rating": "ACH", "manual_reason": "done"},
        {"state": LineState.PROGRESS, "manual_rating": "G", "manual_reason": "done"},
    ):
        with pytest.raises(InvalidLines):
            services.update_lines(
                return_obj=return_obj,
                changes={(line.authority_id, line.target_id): change},
                actor=manager,
                channel="t",
            )


def test_current_progress_reads_back_what_was_recorded(plan, opened, director):
    record(opened, plan, director, plan.by_hand, progress="not_yet_due", comment="Qrt 3")
    assert current_progress(line_of(plan.by_hand)) == ("not_yet_due", "Qrt 3")
    record(opened, plan, director, plan.by_hand, progress="ACH", comment="Done")
    assert current_progress(line_of(plan.by_hand)) == ("ACH", "Done")


# --------------------------------------------------------------------------- the pages


def progress_url(return_obj) -> str:
    return reverse("returns:progress", args=[return_obj.pk])


@pytest.mark.parametrize(
    ("who", "status", "editable"),
    [
        ("anonymous", 302, False),
        ("no role", 403, False),
        ("board", 200, False),
        ("administrator", 200, False),
        ("director", 200, True),
        ("own programme manager", 200, True),
        ("other programme manager", 404, False),
    ],
)
def test_the_progress_page_permission_matrix(client, plan, opened, who, status, editable):
    users = {
        "no role": lambda: make_user(None),
        "board": lambda: make_user(BOARD_MEMBER),
        "administrator": lambda: make_user(ADMINISTRATOR),
        "director": lambda: make_user(DIRECTOR),
        "own programme manager": lambda: make_user(PROGRAMME_MANAGER, sub_region=plan.sub_region),
        "other programme manager": lambda: make_user(
            PROGRAMME_MANAGER, sub_region=plan.other_sub_region
        ),
    }
    if who != "anonymous":
        client.force_login(users[who]())
    response = client.get(progress_url(opened))
    assert response.status_code == status
    if status == 200:
        html = response.content.decode()
        assert ("Save progress" in html) is editable
        assert "CYP-M9" in html
    post = client.post(progress_url(opened), {"version": opened.version})
    if editable:
        assert post.status_code == 302
    else:
        assert post.status_code in {302, 403, 404}
        assert not ReturnLine.history.filter(history_change_reason="web: progress").exists()


def form_data(return_obj, **rows) -> dict:
    """The progress form as the page posts it, with ``rows`` changed (by line id)."""
    data = {"version": str(return_obj.version)}
    for line in return_obj.lines.select_related("target__measure"):
        choice, comment = current_progress(line)
        data[f"progress-{line.pk}"] = choice
        data[f"comment-{line.pk}"] = comment
        if line.target.measure.kind != "milestone":
            data[f"value-{line.pk}"] = "" if line.actual is None else str(line.actual)
            data[f"target-{line.pk}"] = (
                "" if line.target_value is None else str(line.target_value.normalize())
            )
    for key, value in rows.items():
        data[key] = value
    return data


def test_the_director_records_achieved_on_the_page(client, plan, opened, director):
    client.force_login(director)
    line = line_of(plan.by_hand)
    data = form_data(
        opened,
        **{f"progress-{line.pk}": "ACH", f"comment-{line.pk}": "Agreed by Cabinet, in place"},
    )

    response = client.post(progress_url(opened), data)

    assert response.status_code == 302
    line.refresh_from_db()
    assert (line.effective_rating, line.manual_reason) == ("ACH", "Agreed by Cabinet, in place")
    page = client.get(progress_url(opened)).content.decode()
    assert '<span class="rag rag--ACH">Ach</span> Achieved' in page
    history = line.history.latest()
    assert (history.history_user, history.history_change_reason) == (director, "web: progress")
    # Only the changed commitment was written.
    assert ReturnLine.history.filter(history_change_reason="web: progress").count() == 1


def test_a_rating_without_its_comment_is_refused_naming_the_commitment(
    client, plan, opened, director
):
    client.force_login(director)
    line = line_of(plan.by_hand)
    data = form_data(opened, **{f"progress-{line.pk}": "G", f"comment-{line.pk}": ""})

    response = client.post(progress_url(opened), data)

    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was saved: 1 commitment need correcting" in html
    assert "CYP-M3: Give the comment on progress for the rating." in html
    line.refresh_from_db()
    assert line.state == LineState.AWAITING


def test_a_stale_save_is_refused_and_keeps_what_was_typed(client, plan, opened, director):
    client.force_login(director)
    line = line_of(plan.by_hand)
    data = form_data(opened, **{f"progress-{line.pk}": "R", f"comment-{line.pk}": "Mine"})
    record(opened, plan, director, plan.recycling, progress="G", comment="Someone else's")

    response = client.post(progress_url(opened), data)

    assert response.status_code == 409
    assert "Changed meanwhile: HTW-W3" in response.content.decode()
    assert 'value="R" selected' in response.content.decode()
    line.refresh_from_db()
    assert line.manual_rating == ""


def test_a_signed_off_return_is_read_only(client, plan, opened, director):
    record(opened, plan, director, plan.by_hand, progress="G", comment="On track")
    manager = make_user(PROGRAMME_MANAGER, sub_region=plan.sub_region)
    services.submit_return(return_obj=opened, actor=manager)
    client.force_login(director)

    page = client.get(progress_url(opened)).content.decode()

    assert "Save progress" not in page
    assert "must be reopened by the Director" in page
    post = client.post(progress_url(opened), form_data(opened))
    assert post.status_code == 302
    opened.refresh_from_db()
    assert opened.status == ReturnStatus.SUBMITTED


def test_the_plans_page_opens_a_quarter_for_the_director(client, plan, director):
    client.force_login(director)

    page = client.get(reverse("returns:plans")).content.decode()
    assert "Leicestershire County Council's plan" in page
    assert "Open the quarter" in page

    response = client.post(reverse("returns:plans"), {"plan": "lcc-plan", "quarter": "2008/09 Q2"})

    assert response.status_code == 302
    opened = plan.target_set.returns.get()
    assert (opened.sub_region, opened.period) == (plan.sub_region, Quarter(2008, 2))
    assert response["Location"] == progress_url(opened)


def test_the_board_may_not_open_a_quarter(client, plan):
    client.force_login(make_user(BOARD_MEMBER))
    assert "Open the quarter" not in client.get(reverse("returns:plans")).content.decode()
    response = client.post(reverse("returns:plans"), {"plan": "lcc-plan", "quarter": "2008/09 Q2"})
    assert response.status_code == 403
    assert not plan.target_set.returns.exists()


def test_the_start_form_of_the_returns_list_does_not_offer_a_plan(client, plan):
    client.force_login(make_user(PROGRAMME_MANAGER, sub_region=plan.other_sub_region))
    html = client.get(reverse("returns:list")).content.decode()
    start = html.split('id="start-return-title"')[1].split("</form>")[0]
    assert "Leicestershire County Council&#x27;s plan" not in start
    assert "Improvement plans" in html


@pytest.mark.parametrize("commitments", [3, 30])
def test_the_progress_page_takes_a_constant_number_of_queries(
    client, plan, director, django_assert_num_queries, commitments
):
    from tests.factories import TargetFactory

    for number in range(commitments - 3):
        TargetFactory(
            target_set=plan.target_set,
            theme=plan.by_hand.theme,
            measure=plan.recycling.measure,
            rule="trajectory",
            threshold=None,
            number=f"X{number}",
        )
    return_obj, _ = services.open_return(
        sub_region=plan.sub_region, target_set=plan.target_set, quarter=Q1, actor=director
    )
    client.force_login(director)
    # Session, user, the return, its permissions (1), the user's region (issue 13), the plan
    # check, the lines, their year targets and levels, the council, the roles for the
    # navigation bar.
    with django_assert_num_queries(11):
        assert client.get(progress_url(return_obj)).status_code == 200

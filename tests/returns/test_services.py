"""returns.services, returns.copy_forward and returns.values: every write to a return.

`make_world` builds a small sub-region that the other tests of tests/returns import too: a
county council that leads its LAA, districts, and one target of each shape that matters for
which lines a return has (every kind, county/unitary only, district/unitary only, LAA-scoped).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError

from authorities.models import AuthorityKind
from authorities.roles import (
    ADMINISTRATOR,
    BOARD_MEMBER,
    DIRECTOR,
    PROGRAMME_MANAGER,
)
from returns import services
from returns.copy_forward import NoPreviousReturn, copy_forward
from returns.errors import InvalidLines
from returns.models import LineState, Rating, Return, ReturnLine, ReturnStatus, Transition
from returns.periods import Quarter
from returns.values import format_value_for_input, parse_value
from targets.models import Direction, MeasureKind, RuleKind, Scope
from tests.factories import (
    AuthorityFactory,
    LAAAreaFactory,
    MeasureFactory,
    SubRegionFactory,
    TargetFactory,
    TargetSetFactory,
    ThemeFactory,
    make_user,
    ordinal_measure,
)

Q2 = Quarter(2009, 2)
Q3 = Quarter(2009, 3)
LEVELS = {1: "Performing poorly", 2: "Performing adequately", 3: "Performing well", 4: "Excellent"}

# The grants of returns/migrations/0002_roles.py, for tests on a flushed database (the browser
# tests run on live_server, whose transactional tests flush the groups migrations created).
ROLE_GRANTS = {
    PROGRAMME_MANAGER: [
        "view_return",
        "view_returnline",
        "view_transition",
        "add_return",
        "change_return",
        "add_returnline",
        "change_returnline",
        "submit_return",
    ],
    BOARD_MEMBER: ["view_return", "view_returnline", "view_transition", "view_all_returns"],
    DIRECTOR: [
        "view_return",
        "view_returnline",
        "view_transition",
        "view_all_returns",
        "approve_return",
    ],
    ADMINISTRATOR: ["view_return", "view_returnline", "view_transition", "view_all_returns"],
}


def ensure_role_groups() -> None:
    """The role groups with their returns permissions (idempotent)."""
    for name, codenames in ROLE_GRANTS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="returns", codename__in=codenames)
        )


def make_world(*, districts: int = 1, name: str = "Derbyshire") -> SimpleNamespace:
    """A sub-region with a county (LAA lead) and `districts` districts, another sub-region, a
    target set of four targets under two themes, and a user for every role."""
    ensure_role_groups()
    slug = name.lower()
    sub_region = SubRegionFactory(slug=slug, name=name, order=1)
    other_region = SubRegionFactory(slug=f"other-{slug}", name=f"Other than {name}", order=2)
    county = AuthorityFactory(
        sub_region=sub_region,
        kind=AuthorityKind.COUNTY,
        name=f"{name} County Council",
        short_name=f"{name} CC",
    )
    laa = LAAAreaFactory(sub_region=sub_region, lead_authority=county, name=f"{name} LAA")
    county.laa_area = laa
    county.save()
    district_list = [
        AuthorityFactory(
            sub_region=sub_region,
            kind=AuthorityKind.DISTRICT,
            name=f"{name} District {n} Council",
            short_name=f"{name} District {n}",
            laa_area=laa,
        )
        for n in range(1, districts + 1)
    ]
    elsewhere = AuthorityFactory(sub_region=other_region, kind=AuthorityKind.DISTRICT)

    target_set = TargetSetFactory(slug=f"stretch-{slug}", title="Stretch targets")
    efficiency = ThemeFactory(target_set=target_set, name="Efficiency", order=2)
    outcomes = ThemeFactory(target_set=target_set, name="Outcomes", order=1)
    invoices = TargetFactory(
        target_set=target_set,
        theme=efficiency,
        number="1",
        priority=1,
        title="Invoices paid in 30 days",
        measure=MeasureFactory(kind=MeasureKind.PERCENTAGE, unit="%"),
        threshold=Decimal("95"),
    )
    social_care = TargetFactory(
        target_set=target_set,
        theme=outcomes,
        number="2",
        priority=1,
        title="Adult social care performing well",
        measure=ordinal_measure(slug=f"care-{slug}", labels=tuple(LEVELS.values())),
        threshold=Decimal("3"),
        applies_to=[AuthorityKind.COUNTY, AuthorityKind.UNITARY],
    )
    laa_target = TargetFactory(
        target_set=target_set,
        theme=outcomes,
        number="3",
        priority=2,
        title="LAA achieving 75%",
        measure=MeasureFactory(kind=MeasureKind.YES_NO, unit="yes/no"),
        threshold=None,
        scope=Scope.LAA,
        applies_to=[AuthorityKind.COUNTY, AuthorityKind.UNITARY],
    )
    benefits = TargetFactory(
        target_set=target_set,
        theme=efficiency,
        number="4",
        priority=2,
        title="Benefits processing days",
        measure=MeasureFactory(kind=MeasureKind.DAYS, unit="days", direction=Direction.LOWER),
        threshold=Decimal("20"),
        applies_to=[AuthorityKind.DISTRICT, AuthorityKind.UNITARY],
        rule=RuleKind.ALL_MEET,
    )
    pm = make_user(PROGRAMME_MANAGER, sub_region=sub_region, first_name="Pat", last_name="Moss")
    return SimpleNamespace(
        sub_region=sub_region,
        other_region=other_region,
        county=county,
        district=district_list[0] if district_list else None,
        districts=district_list,
        elsewhere=elsewhere,
        target_set=target_set,
        invoices=invoices,
        social_care=social_care,
        laa_target=laa_target,
        benefits=benefits,
        pm=pm,
        pm_other=make_user(PROGRAMME_MANAGER, sub_region=other_region),
        board=make_user(BOARD_MEMBER),
        director=make_user(DIRECTOR, first_name="Chris", last_name="Allison"),
        admin=make_user(ADMINISTRATOR),
        no_role=make_user(None),
    )


def open_(world, quarter: Quarter = Q3) -> Return:
    return_obj, _ = services.open_return(
        sub_region=world.sub_region, target_set=world.target_set, quarter=quarter, actor=world.pm
    )
    return return_obj


def line_of(return_obj: Return, authority, target) -> ReturnLine:
    return ReturnLine.objects.get(return_obj=return_obj, authority=authority, target=target)


@pytest.fixture
def world(db):
    return make_world()


@pytest.fixture
def return_obj(world):
    return open_(world)


# --------------------------------------------------------------------------- open_return


def test_open_return_creates_lines_only_where_targets_apply(world, return_obj):
    keys = set(return_obj.lines.values_list("authority_id", "target_id"))

    assert keys == {
        (world.county.pk, world.invoices.pk),
        (world.county.pk, world.social_care.pk),
        (world.county.pk, world.laa_target.pk),  # the county answers for its LAA
        (world.district.pk, world.invoices.pk),
        (world.district.pk, world.benefits.pk),  # district/unitary only
    }
    # The district has no line for the LAA target nor for the county/unitary-only one.
    assert not return_obj.lines.filter(
        authority=world.district, target__in=[world.laa_target, world.social_care]
    ).exists()
    assert not return_obj.lines.filter(authority=world.elsewhere).exists()
    line = line_of(return_obj, world.county, world.invoices)
    assert line.state == LineState.AWAITING
    assert line.target_value is None  # the target's threshold (95%) applies, whatever it becomes
    assert line.effective_rating == Rating.GREY
    assert return_obj.status == ReturnStatus.DRAFT


def test_open_return_is_idempotent(world, return_obj):
    again, created = services.open_return(
        sub_region=world.sub_region, target_set=world.target_set, quarter=Q3, actor=world.pm
    )

    assert not created
    assert again.pk == return_obj.pk
    assert again.lines.count() == 5
    assert Return.objects.count() == 1
    assert Transition.objects.filter(return_obj=return_obj).count() == 1


def test_open_return_leaves_a_signed_off_return_as_it_was_signed_off(world, return_obj):
    Return.objects.filter(pk=return_obj.pk).update(status=ReturnStatus.APPROVED)
    AuthorityFactory(sub_region=world.sub_region, kind=AuthorityKind.DISTRICT)  # a new council

    again, created = services.open_return(
        sub_region=world.sub_region, target_set=world.target_set, quarter=Q3, actor=world.pm
    )

    assert not created
    assert again.lines.count() == 5  # no line added behind the sign-off
    assert Return.objects.get(pk=return_obj.pk).version == return_obj.version


def test_update_lines_refuses_a_new_line_for_an_inactive_authority(world, return_obj):
    gone = AuthorityFactory(sub_region=world.sub_region, kind=AuthorityKind.DISTRICT, active=False)

    with pytest.raises(InvalidLines) as refused:
        services.update_lines(
            return_obj=return_obj,
            changes={(gone.pk, world.invoices.pk): {"state": LineState.VALUE, "actual": 99}},
            actor=world.pm,
            channel="test",
        )

    (problem,) = refused.value.problems
    assert (problem.field, problem.message) == (
        "authority",
        f"{gone.short_name} is no longer an active authority.",
    )
    assert not ReturnLine.objects.filter(authority=gone).exists()


def test_open_return_refuses_another_sub_regions_programme_manager(world):
    with pytest.raises(PermissionDenied):
        services.open_return(
            sub_region=world.sub_region,
            target_set=world.target_set,
            quarter=Q3,
            actor=world.pm_other,
        )
    assert not Return.objects.exists()


# --------------------------------------------------------------------------- update_lines


def test_update_lines_rates_a_percentage_against_its_target(world, return_obj):
    result = services.update_lines(
        return_obj=return_obj,
        changes={
            (world.county.pk, world.invoices.pk): {"state": "value", "actual": Decimal("92.79")},
            (world.district.pk, world.invoices.pk): {"state": "value", "actual": Decimal("80")},
        },
        actor=world.pm,
        channel="web",
    )

    assert len(result.changed) == 2
    amber = line_of(return_obj, world.county, world.invoices)
    assert amber.status == "worse"  # 2.21 points short: beyond the ±2% (1.9 points) tolerance
    assert amber.computed_rating == amber.effective_rating == Rating.AMBER
    assert "92.79%" in amber.explanation
    red = line_of(return_obj, world.district, world.invoices)
    assert red.effective_rating == Rating.RED  # 15.8% short: beyond the 10% amber margin
    assert result.version == return_obj.version == 2
    assert Return.objects.get(pk=return_obj.pk).version == 2


def test_update_lines_records_history_with_user_and_channel(world, return_obj):
    services.update_lines(
        return_obj=return_obj,
        changes={(world.county.pk, world.invoices.pk): {"state": "value", "actual": 96}},
        actor=world.pm,
        channel="import: returns.csv row 12",
    )

    line = line_of(return_obj, world.county, world.invoices)
    records = list(line.history.order_by("history_date", "history_id"))
    assert [record.history_change_reason for record in records] == [
        "Line created",
        "import: returns.csv row 12",
    ]
    assert records[-1].history_user == world.pm
    delta = records[-1].diff_against(records[0])
    assert {change.field for change in delta.changes} >= {"actual", "state", "effective_rating"}
    assert line.updated_by == world.pm


def test_update_lines_refuses_a_locked_return(world, return_obj):
    services.submit_return(return_obj=return_obj, actor=world.pm)

    with pytest.raises(services.ReturnLocked):
        services.update_lines(
            return_obj=return_obj,
            changes={(world.county.pk, world.invoices.pk): {"state": "value", "actual": 96}},
            actor=world.pm,
            channel="web",
        )
    assert line_of(return_obj, world.county, world.invoices).actual is None


def test_update_lines_refuses_another_sub_regions_programme_manager(world, return_obj):
    with pytest.raises(PermissionDenied):
        services.update_lines(
            return_obj=return_obj,
            changes={(world.county.pk, world.invoices.pk): {"state": "value", "actual": 96}},
            actor=world.pm_other,
            channel="web",
        )
    assert line_of(return_obj, world.county, world.invoices).actual is None


@pytest.mark.parametrize("role", ["director", "board", "admin"])
def test_update_lines_refuses_readers(world, return_obj, role):
    with pytest.raises(PermissionDenied):
        services.update_lines(
            return_obj=return_obj,
            changes={(world.county.pk, world.invoices.pk): {"state": "value", "actual": 96}},
            actor=getattr(world, role),
            channel="web",
        )


def test_update_lines_skips_unchanged_lines(world, return_obj):
    change = {(world.county.pk, world.invoices.pk): {"state": "value", "actual": Decimal("96")}}
    services.update_lines(return_obj=return_obj, changes=change, actor=world.pm, channel="web")
    line = line_of(return_obj, world.county, world.invoices)
    history_before = line.history.count()

    again = services.update_lines(
        return_obj=return_obj,
        changes={(world.county.pk, world.invoices.pk): {"state": "value", "actual": 96}},
        actor=world.pm,
        channel="web",
    )

    assert again.changed == []
    assert again.unchanged == 1
    assert line.history.count() == history_before
    assert Return.objects.get(pk=return_obj.pk).version == 2


def test_update_lines_is_all_or_nothing(world, return_obj):
    with pytest.raises(ValidationError) as raised:
        services.update_lines(
            return_obj=return_obj,
            changes={
                (world.county.pk, world.invoices.pk): {"state": "value", "actual": 96},
                # A value given without the value: refused by the line's own checks.
                (world.district.pk, world.invoices.pk): {"state": "value", "actual": None},
            },
            actor=world.pm,
            channel="web",
        )

    assert any("needs the value" in message for message in raised.value.messages)
    assert line_of(return_obj, world.county, world.invoices).actual is None
    assert Return.objects.get(pk=return_obj.pk).version == 1


def test_a_line_outside_the_targets_scope_is_kept_never_refused(world, return_obj):
    result = services.update_lines(
        return_obj=return_obj,
        changes={(world.district.pk, world.laa_target.pk): {"state": "value", "actual": 1}},
        actor=world.pm,
        channel="web",
    )

    kept = ReturnLine.objects.get(authority=world.district, target=world.laa_target)
    assert [line.pk for line in result.outside_scope] == [kept.pk]
    assert (kept.scope, kept.counted, kept.actual) == ("outside", False, Decimal(1))
    assert kept.history.first().history_change_reason == "web"


def test_update_lines_refuses_an_authority_of_another_sub_region(world, return_obj):
    with pytest.raises(ValidationError, match="Not an authority of"):
        services.update_lines(
            return_obj=return_obj,
            changes={(world.elsewhere.pk, world.invoices.pk): {"state": "value", "actual": 1}},
            actor=world.pm,
            channel="web",
        )


def test_update_lines_with_an_old_version_is_stale(world, return_obj):
    services.update_lines(
        return_obj=return_obj,
        changes={(world.county.pk, world.invoices.pk): {"state": "value", "actual": 96}},
        actor=world.pm,
        channel="web",
        base_version=1,
    )

    with pytest.raises(services.StaleReturn) as raised:
        services.update_lines(
            return_obj=return_obj,
            changes={(world.district.pk, world.invoices.pk): {"state": "value", "actual": 50}},
            actor=world.pm,
            channel="web",
            base_version=1,
        )

    assert [line.authority for line in raised.value.changed] == [world.county]
    assert line_of(return_obj, world.district, world.invoices).actual is None


# ---------------------------------------------------------------------------- sign-off


def transitions_of(return_obj):
    return list(
        Transition.objects.filter(return_obj=return_obj)
        .order_by("at", "id")
        .values_list("from_status", "to_status", "actor__username", "comment")
    )


def test_submit_approve_and_their_transitions(world, return_obj):
    submitted = services.submit_return(return_obj=return_obj, actor=world.pm, comment="Q3 done")
    approved = services.approve_return(return_obj=return_obj, actor=world.director)

    assert submitted.status == ReturnStatus.SUBMITTED
    assert approved.status == ReturnStatus.APPROVED
    assert transitions_of(return_obj) == [
        ("draft", "draft", world.pm.username, "Created as a draft."),
        ("draft", "submitted", world.pm.username, "Q3 done"),
        ("submitted", "approved", world.director.username, ""),
    ]
    assert approved.version == 3  # every transition claims a version


def test_send_back_needs_a_comment_and_returns_the_return(world, return_obj):
    services.submit_return(return_obj=return_obj, actor=world.pm)
    with pytest.raises(ValidationError):
        services.send_back_return(return_obj=return_obj, actor=world.director, comment="  ")

    returned = services.send_back_return(
        return_obj=return_obj, actor=world.director, comment="Target 4 figures missing."
    )

    assert returned.status == ReturnStatus.RETURNED
    assert returned.is_editable
    assert transitions_of(return_obj)[-1] == (
        "submitted",
        "returned",
        world.director.username,
        "Target 4 figures missing.",
    )
    # A returned return is submitted again by its programme manager.
    assert services.submit_return(return_obj=return_obj, actor=world.pm).status == "submitted"


def test_reopen_needs_a_reason_and_makes_a_draft(world, return_obj):
    services.submit_return(return_obj=return_obj, actor=world.pm)
    services.approve_return(return_obj=return_obj, actor=world.director)
    with pytest.raises(ValidationError):
        services.reopen_return(return_obj=return_obj, actor=world.director, reason="")

    reopened = services.reopen_return(
        return_obj=return_obj, actor=world.director, reason="Derby's CAA score was corrected."
    )

    assert reopened.status == ReturnStatus.DRAFT
    assert transitions_of(return_obj)[-1] == (
        "approved",
        "draft",
        world.director.username,
        "Derby's CAA score was corrected.",
    )


@pytest.mark.parametrize(
    ("step", "status", "actor", "error"),
    [
        ("submit", ReturnStatus.SUBMITTED, "pm", ValidationError),
        ("submit", ReturnStatus.APPROVED, "pm", ValidationError),
        ("submit", ReturnStatus.DRAFT, "director", PermissionDenied),
        ("submit", ReturnStatus.DRAFT, "pm_other", PermissionDenied),
        ("submit", ReturnStatus.DRAFT, "board", PermissionDenied),
        ("approve", ReturnStatus.DRAFT, "director", ValidationError),
        ("approve", ReturnStatus.APPROVED, "director", ValidationError),
        ("approve", ReturnStatus.SUBMITTED, "pm", PermissionDenied),
        ("approve", ReturnStatus.SUBMITTED, "board", PermissionDenied),
        ("approve", ReturnStatus.SUBMITTED, "admin", PermissionDenied),
        ("send_back", ReturnStatus.DRAFT, "director", ValidationError),
        ("send_back", ReturnStatus.SUBMITTED, "pm", PermissionDenied),
        ("reopen", ReturnStatus.SUBMITTED, "director", ValidationError),
        ("reopen", ReturnStatus.DRAFT, "director", ValidationError),
        ("reopen", ReturnStatus.APPROVED, "pm", PermissionDenied),
        ("reopen", ReturnStatus.APPROVED, "admin", PermissionDenied),
    ],
)
def test_refused_transitions_change_nothing(world, return_obj, step, status, actor, error):
    Return.objects.filter(pk=return_obj.pk).update(status=status)
    before = transitions_of(return_obj)
    service = {
        "submit": services.submit_return,
        "approve": services.approve_return,
        "send_back": services.send_back_return,
        "reopen": services.reopen_return,
    }[step]
    argument = {"reason": "why"} if step == "reopen" else {"comment": "why"}

    with pytest.raises(error):
        service(return_obj=return_obj, actor=getattr(world, actor), **argument)

    current = Return.objects.get(pk=return_obj.pk)
    assert current.status == status
    assert current.version == 1
    assert transitions_of(return_obj) == before


def test_system_actor_cannot_sign_in_but_may_write_any_return(world, return_obj):
    system = services.system_actor()

    assert system.username == "system"
    assert not system.is_active
    assert not system.has_usable_password()
    assert services.system_actor().pk == system.pk  # idempotent
    services.update_lines(
        return_obj=return_obj,
        changes={(world.county.pk, world.invoices.pk): {"state": "value", "actual": 96}},
        actor=system,
        channel="command: load_returns",
    )
    line = line_of(return_obj, world.county, world.invoices)
    assert line.updated_by == system
    assert line.history.latest("history_date").history_change_reason == "command: load_returns"
    assert services.submit_return(return_obj=return_obj, actor=system).status == "submitted"


# --------------------------------------------------------------------------- copy forward


@pytest.fixture
def two_quarters(world):
    """Q2 filled in (and approved), Q3 opened, with one line of Q3 already entered."""
    earlier = open_(world, Q2)
    services.update_lines(
        return_obj=earlier,
        changes={
            (world.county.pk, world.invoices.pk): {
                "state": "value",
                "actual": Decimal("93"),
                "target_value": Decimal("96"),
                "date_of_data": date(2009, 9, 30),
                "comment": "Q2 figure from the finance system.",
                "source": "Finance system",
                "manual_rating": "G",
                "manual_reason": "Improving fast.",
            },
            (world.county.pk, world.social_care.pk): {"state": "value", "actual": 3},
            (world.district.pk, world.invoices.pk): {"state": "value", "actual": 90},
            (world.district.pk, world.benefits.pk): {
                "state": "not_applicable",
                "state_reason": "Benefits are processed by the council's partner.",
            },
        },
        actor=world.pm,
        channel="web",
    )
    services.submit_return(return_obj=earlier, actor=world.pm)
    services.approve_return(return_obj=earlier, actor=world.director)
    later = open_(world, Q3)
    services.update_lines(
        return_obj=later,
        changes={(world.district.pk, world.invoices.pk): {"state": "value", "actual": 97}},
        actor=world.pm,
        channel="web",
    )
    return earlier, later


def test_copy_forward_fills_only_empty_lines(world, two_quarters):
    _, later = two_quarters

    result = copy_forward(return_obj=later, actor=world.pm)

    assert len(result.changed) == 3
    county = line_of(later, world.county, world.invoices)
    assert county.state == LineState.VALUE
    assert county.actual == Decimal("93")
    assert county.target_value == Decimal("96")
    assert county.date_of_data == date(2009, 9, 30)
    assert county.comment == "Q2 figure from the finance system."
    assert county.source == "Finance system"
    # A manual rating is the judgement of its quarter: not carried forward; the rule rates.
    assert county.manual_rating == ""
    assert county.manual_reason == ""
    assert county.effective_rating == county.computed_rating == Rating.AMBER
    assert line_of(later, world.county, world.social_care).actual == Decimal("3")
    assert line_of(later, world.district, world.benefits).state == LineState.NOT_APPLICABLE
    # Entered data is never overwritten.
    assert line_of(later, world.district, world.invoices).actual == Decimal("97")
    # Nothing to copy where the earlier line was empty.
    assert line_of(later, world.county, world.laa_target).state == LineState.AWAITING
    record = county.history.latest("history_date")
    assert record.history_change_reason == "copy forward from 2009/10 Q2"
    assert record.history_user == world.pm
    assert later.version == Return.objects.get(pk=later.pk).version


def test_copy_forward_twice_copies_nothing_more(world, two_quarters):
    _, later = two_quarters
    copy_forward(return_obj=later, actor=world.pm)

    again = copy_forward(return_obj=later, actor=world.pm)

    assert again.changed == []


def test_copy_forward_without_a_previous_return(world, return_obj):
    with pytest.raises(NoPreviousReturn, match="2009/10 Q2"):
        copy_forward(return_obj=return_obj, actor=world.pm)


def test_copy_forward_refuses_locked_returns_and_other_sub_regions(world, two_quarters):
    _, later = two_quarters
    with pytest.raises(PermissionDenied):
        copy_forward(return_obj=later, actor=world.pm_other)
    services.submit_return(return_obj=later, actor=world.pm)
    with pytest.raises(services.ReturnLocked):
        copy_forward(return_obj=later, actor=world.pm)
    assert line_of(later, world.county, world.invoices).actual is None


# -------------------------------------------------------------------------------- values


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        ("92.79%", "percentage", Decimal("92.79")),
        ("92.79", "percentage", Decimal("92.79")),
        (" 100 % ", "percentage", Decimal("100")),
        ("", "percentage", None),
        ("£41,661k", "money", Decimal("41661")),
        ("41661", "money", Decimal("41661")),
        ("£1.5m", "money", Decimal("1500")),
        ("20 days", "days", Decimal("20")),
        ("1,038", "count", Decimal("1038")),
        ("3", "ordinal", Decimal("3")),
        ("Performing well", "ordinal", Decimal("3")),
        ("Performing well (3)", "ordinal", Decimal("3")),
        ("3 - performing well", "ordinal", Decimal("3")),
        ("level 2", "ordinal", Decimal("2")),
        ("yes", "yes_no", Decimal("1")),
        ("No", "yes_no", Decimal("0")),
        ("achieved", "yes_no", Decimal("1")),
    ],
)
def test_parse_value_accepts_what_the_papers_write(text, kind, expected):
    levels = LEVELS if kind == "ordinal" else {}

    assert parse_value(text, measure_kind=kind, levels=levels) == expected


@pytest.mark.parametrize(
    ("text", "kind", "message"),
    [
        ("104%", "percentage", "over 100% for a percentage"),
        ("-3", "percentage", "cannot be negative"),
        ("-1", "days", "cannot be negative"),
        ("-£5k", "money", "cannot be negative"),
        ("lots", "count", "is not a number"),
        ("12..5", "percentage", "is not a number"),
        ("5%", "days", "not a percentage"),
        ("1.00001", "count", "decimal places"),
        ("5", "ordinal", "not on the scale"),
        ("2.5", "ordinal", "whole number"),
        ("Performing poorly (3)", "ordinal", "disagree"),
        ("Brilliant", "ordinal", "not a level of the scale"),
        ("perhaps", "yes_no", "yes or no"),
    ],
)
def test_parse_value_refuses_with_a_message(text, kind, message):
    levels = LEVELS if kind == "ordinal" else {}

    with pytest.raises(ValueError, match=message):
        parse_value(text, measure_kind=kind, levels=levels)


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        (None, "percentage", ""),
        (Decimal("92.7900"), "percentage", "92.79"),
        (Decimal("41661.0000"), "money", "41661"),
        (Decimal("3.0000"), "ordinal", "3"),
        (Decimal("1.0000"), "yes_no", "1"),
        (Decimal("0.0000"), "yes_no", "0"),
    ],
)
def test_format_value_for_input_round_trips(value, kind, expected):
    text = format_value_for_input(value, measure_kind=kind, levels=LEVELS)

    assert text == expected
    assert parse_value(text, measure_kind=kind, levels=LEVELS) == value

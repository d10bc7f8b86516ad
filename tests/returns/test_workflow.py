"""returns.workflow: the sign-off rules, as pure functions (no database), then the same rules
through the services for the cases that need people and a database.

The tables below are the module's diagram written out: which status each step leaves from,
where it goes, who takes it, and the words of every refusal.
"""

from __future__ import annotations

import itertools

import pytest
from django.contrib.auth.models import Group

from authorities.roles import DIRECTOR, PROGRAMME_MANAGER
from returns import services, workflow
from returns.errors import StepRefused
from returns.models import EDITABLE_STATUSES, Return, ReturnStatus, Transition
from returns.signoff_views import allowed_transitions
from returns.workflow import Actor, Role, Status
from tests.factories import make_user
from tests.returns.test_services import line_of, make_world, open_

PM, DIR = Role.PROGRAMME_MANAGER, Role.DIRECTOR

#: Step → (the statuses it leaves from, the status it goes to, who takes it).
DIAGRAM = {
    "submit": ({"draft", "returned"}, "submitted", PM),
    "approve": ({"submitted"}, "approved", DIR),
    "send-back": ({"submitted"}, "returned", DIR),
    "reopen": ({"approved"}, "draft", DIR),
}
LABELS = {
    "draft": "draft",
    "submitted": "submitted",
    "approved": "approved",
    "returned": "returned for changes",
}
ONLY = {
    PM: "Only the sub-region's programme manager submits its return.",
    DIR: "Only the Director signs returns off.",
}
FOUR_EYES = "Four eyes: a return is never approved by the person who submitted it."

ROLE_SETS = {
    "no role": frozenset(),
    "programme manager": frozenset({PM}),
    "director": frozenset({DIR}),
    "both": frozenset({PM, DIR}),
}
ME, SOMEONE_ELSE = 7, 8


def expected(step: str, status: str, roles: frozenset[Role]) -> str:
    """The refusal the diagram gives (the role is checked before the status)."""
    leaves_from, goes_to, role = DIAGRAM[step]
    if role not in roles:
        return ONLY[role]
    if status not in leaves_from:
        return f"A {LABELS[status]} return cannot become {LABELS[goes_to]}."
    return ""


# ------------------------------------------------------------------------ the pure rules


def test_the_tables_here_are_the_modules_steps():
    assert set(workflow.STEPS) == set(DIAGRAM)
    for name, (leaves_from, goes_to, role) in DIAGRAM.items():
        step = workflow.STEPS[name]
        assert (set(step.allowed_from), step.to, step.role) == (leaves_from, goes_to, role)
    assert {status.value for status in Status} == set(ReturnStatus.values)
    assert {status.value for status in workflow.EDITABLE} == set(EDITABLE_STATUSES)


@pytest.mark.parametrize(
    ("step", "status", "roles"),
    list(itertools.product(DIAGRAM, LABELS, ROLE_SETS)),
)
def test_every_step_from_every_status_by_every_role(step, status, roles):
    actor = Actor(user_id=ME, roles=ROLE_SETS[roles])

    refused = workflow.problem(step, status=status, actor=actor, submitted_by=SOMEONE_ELSE)

    assert refused == expected(step, status, ROLE_SETS[roles])


@pytest.mark.parametrize(("step", "status"), list(itertools.product(DIAGRAM, LABELS)))
def test_the_system_actor_holds_both_roles(step, status):
    system = Actor(user_id=ME, roles=frozenset({PM, DIR}), system=True)

    refused = workflow.problem(step, status=status, actor=system, submitted_by=ME)

    assert refused == expected(step, status, frozenset({PM, DIR}))


def test_the_role_is_told_before_the_status():
    # A programme manager asking to approve a draft hears they are not the Director.
    pm = Actor(user_id=ME, roles=frozenset({PM}))

    assert workflow.problem("approve", status="draft", actor=pm, submitted_by=None) == ONLY[DIR]


@pytest.mark.parametrize(
    ("submitted_by", "system", "refused"),
    [
        (ME, False, FOUR_EYES),  # the same person
        (SOMEONE_ELSE, False, ""),  # a different person
        (None, False, ""),  # nobody is known to have submitted it
        (ME, True, ""),  # the system actor is not a person
    ],
)
def test_four_eyes(submitted_by, system, refused):
    director = Actor(user_id=ME, roles=frozenset({PM, DIR}), system=system)

    assert (
        workflow.problem("approve", status="submitted", actor=director, submitted_by=submitted_by)
        == refused
    )


def test_four_eyes_without_a_user_id_refuses_nothing():
    anonymous = Actor(user_id=None, roles=frozenset({DIR}))

    assert workflow.problem("approve", status="submitted", actor=anonymous, submitted_by=ME) == ""


def test_four_eyes_guards_approval_only():
    # Whoever submitted may still send it back or, once approved by another, reopen it.
    both = Actor(user_id=ME, roles=frozenset({PM, DIR}))

    assert workflow.problem("send-back", status="submitted", actor=both, submitted_by=ME) == ""
    assert workflow.problem("reopen", status="approved", actor=both, submitted_by=ME) == ""


@pytest.mark.parametrize(
    ("step", "comment", "missing"),
    [
        ("send-back", "", "Say what needs changing."),
        ("send-back", "   \n\t", "Say what needs changing."),
        ("send-back", "Target 4 figures missing.", ""),
        ("reopen", "", "Give the reason for reopening an approved return."),
        ("reopen", "  ", "Give the reason for reopening an approved return."),
        ("reopen", "Derby's CAA score was corrected.", ""),
        ("submit", "", ""),
        ("submit", "Q3 done", ""),
        ("approve", "", ""),
        ("approve", "Fine.", ""),
        ("approve", "x" * 4000, ""),
        ("approve", "x" * 4001, "The comment is 4,001 characters long: at most 4,000, please."),
        (
            "send-back",
            "x" * 90_000,
            "The comment is 90,000 characters long: at most 4,000, please.",
        ),
    ],
)
def test_comment_problem(step, comment, missing):
    assert workflow.comment_problem(step, comment) == missing
    assert workflow.STEPS[step].needs_comment == (step in {"send-back", "reopen"})


@pytest.mark.parametrize(
    ("status", "roles", "submitted_by", "system", "steps"),
    [
        ("draft", "programme manager", None, False, ["submit"]),
        ("returned", "programme manager", ME, False, ["submit"]),
        ("submitted", "programme manager", ME, False, []),
        ("approved", "programme manager", ME, False, []),
        ("draft", "director", None, False, []),
        ("submitted", "director", SOMEONE_ELSE, False, ["approve", "send-back"]),
        ("submitted", "director", ME, False, ["send-back"]),  # four eyes
        ("approved", "director", SOMEONE_ELSE, False, ["reopen"]),
        ("returned", "director", SOMEONE_ELSE, False, []),
        ("draft", "both", None, False, ["submit"]),
        ("submitted", "both", ME, False, ["send-back"]),
        ("submitted", "both", ME, True, ["approve", "send-back"]),  # the system actor
        ("submitted", "no role", SOMEONE_ELSE, False, []),
    ],
)
def test_available_steps_in_the_order_the_page_shows_them(
    status, roles, submitted_by, system, steps
):
    actor = Actor(user_id=ME, roles=ROLE_SETS[roles], system=system)

    assert workflow.available(status=status, actor=actor, submitted_by=submitted_by) == steps


def test_labels():
    assert [workflow.label(status) for status in LABELS] == list(LABELS.values())
    assert workflow.label(Status.RETURNED) == "returned for changes"


# ------------------------------------------------------------------- through the services


@pytest.fixture
def world(db):
    return make_world()


@pytest.fixture
def return_obj(world):
    return open_(world)


def trail(return_obj):
    return list(
        Transition.objects.filter(return_obj=return_obj)
        .order_by("at", "id")
        .values_list("from_status", "to_status", "actor_id", "comment")
    )


def test_a_director_who_submitted_may_not_approve(world):
    # The Director is also the sub-region's programme manager (covering for them).
    both = make_user(DIRECTOR, sub_region=world.sub_region)
    both.groups.add(Group.objects.get(name=PROGRAMME_MANAGER))
    return_obj = open_(world)
    services.submit_return(return_obj=return_obj, actor=both, comment="Submitted as PM")
    before = trail(return_obj)
    version = Return.objects.get(pk=return_obj.pk).version

    with pytest.raises(StepRefused) as refused:
        services.approve_return(return_obj=return_obj, actor=both)

    assert refused.value.code == "step_refused"
    assert refused.value.messages == [FOUR_EYES]
    current = Return.objects.get(pk=return_obj.pk)
    assert (current.status, current.version) == (ReturnStatus.SUBMITTED, version)
    assert trail(return_obj) == before
    # The page offers them only what they may do; another Director approves.
    assert allowed_transitions(both, current) == ["send-back"]
    assert allowed_transitions(world.director, current) == ["approve", "send-back"]
    approved = services.approve_return(return_obj=return_obj, actor=world.director)
    assert approved.status == ReturnStatus.APPROVED


def test_the_system_actor_may_submit_and_approve(world, return_obj):
    system = services.system_actor()

    services.submit_return(return_obj=return_obj, actor=system)
    approved = services.approve_return(return_obj=return_obj, actor=system)

    assert approved.status == ReturnStatus.APPROVED
    assert [row[1] for row in trail(return_obj)] == ["draft", "submitted", "approved"]


def test_a_sent_back_return_is_editable_again_and_keeps_the_comment(world, return_obj):
    services.submit_return(return_obj=return_obj, actor=world.pm)
    comment = "Target 4: the districts' figures are missing."

    returned = services.send_back_return(
        return_obj=return_obj, actor=world.director, comment=comment
    )

    assert returned.status == ReturnStatus.RETURNED
    assert returned.is_editable
    result = services.update_lines(
        return_obj=returned,
        changes={(world.district.pk, world.benefits.pk): {"state": "value", "actual": 18}},
        actor=world.pm,
        channel="web",
        base_version=returned.version,
    )
    assert len(result.changed) == 1
    assert line_of(return_obj, world.district, world.benefits).effective_rating == "G"
    services.submit_return(return_obj=return_obj, actor=world.pm, comment="Figures added.")
    assert trail(return_obj)[1:] == [
        ("draft", "submitted", world.pm.pk, ""),
        ("submitted", "returned", world.director.pk, comment),
        ("returned", "submitted", world.pm.pk, "Figures added."),
    ]


def test_sending_back_without_a_comment_is_refused(world, return_obj):
    services.submit_return(return_obj=return_obj, actor=world.pm)

    with pytest.raises(StepRefused) as refused:
        services.send_back_return(return_obj=return_obj, actor=world.director, comment=" ")

    assert refused.value.message_dict == {"comment": ["Say what needs changing."]}
    assert Return.objects.get(pk=return_obj.pk).status == ReturnStatus.SUBMITTED


def test_a_comment_beyond_the_bound_is_refused_and_changes_nothing(world, return_obj):
    services.submit_return(return_obj=return_obj, actor=world.pm)
    before = trail(return_obj)

    with pytest.raises(StepRefused) as refused:
        services.send_back_return(return_obj=return_obj, actor=world.director, comment="x" * 4001)

    assert refused.value.message_dict == {
        "comment": ["The comment is 4,001 characters long: at most 4,000, please."]
    }
    assert Return.objects.get(pk=return_obj.pk).status == ReturnStatus.SUBMITTED
    assert trail(return_obj) == before


def test_reopening_an_approved_return_needs_a_reason(world, return_obj):
    services.submit_return(return_obj=return_obj, actor=world.pm)
    services.approve_return(return_obj=return_obj, actor=world.director)
    before = trail(return_obj)

    with pytest.raises(StepRefused) as refused:
        services.reopen_return(return_obj=return_obj, actor=world.director, reason="   ")

    assert refused.value.code == "step_refused"
    assert refused.value.message_dict == {
        "comment": ["Give the reason for reopening an approved return."]
    }
    current = Return.objects.get(pk=return_obj.pk)
    assert current.status == ReturnStatus.APPROVED
    assert not current.is_editable
    assert trail(return_obj) == before

    reason = "Derby's CAA score was corrected."
    reopened = services.reopen_return(return_obj=return_obj, actor=world.director, reason=reason)

    assert reopened.status == ReturnStatus.DRAFT
    assert reopened.is_editable
    assert trail(return_obj)[-1] == ("approved", "draft", world.director.pk, reason)

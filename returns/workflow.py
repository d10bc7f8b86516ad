"""A return's sign-off: which step may be taken from which status, by whom: pure rules.

    draft ──submit──▶ submitted ──approve──▶ approved ──reopen (reason)──▶ draft
      ▲                   │
      └──── send back ────┘ (comment)  → "returned", which is edited and submitted again

* The sub-region's programme manager submits (from draft or returned).
* The Director approves, sends back with a comment, or reopens an approved return with a
  reason.
* Four eyes: a return is never approved by the person who submitted it, whatever roles they
  hold. (The system actor of management commands, which cannot sign in, is not a person: a
  command run by an operator on the server may take both steps.)

Views (which buttons to show) and services (what is allowed) both ask ``problem``; it knows
nothing of requests or the database: the caller says who the actor is in plain values.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"


class Role(StrEnum):
    PROGRAMME_MANAGER = "programme_manager"  # of the return's own sub-region
    DIRECTOR = "director"  # signs returns off


@dataclass(frozen=True)
class Step:
    name: str
    to: Status
    allowed_from: frozenset[Status]
    role: Role
    needs_comment: bool
    button: str
    label: str
    done: str
    comment_missing: str = ""


STEPS: dict[str, Step] = {
    step.name: step
    for step in (
        Step(
            name="submit",
            to=Status.SUBMITTED,
            allowed_from=frozenset({Status.DRAFT, Status.RETURNED}),
            role=Role.PROGRAMME_MANAGER,
            needs_comment=False,
            button="Submit for sign-off",
            label="Comment for the Director (optional)",
            done="Submitted the return to the Director for sign-off.",
        ),
        Step(
            name="approve",
            to=Status.APPROVED,
            allowed_from=frozenset({Status.SUBMITTED}),
            role=Role.DIRECTOR,
            needs_comment=False,
            button="Approve",
            label="Comment (optional)",
            done="Approved the return. It is locked until it is reopened.",
        ),
        Step(
            name="send-back",
            to=Status.RETURNED,
            allowed_from=frozenset({Status.SUBMITTED}),
            role=Role.DIRECTOR,
            needs_comment=True,
            button="Return with comment",
            label="What needs changing",
            done="Returned the return to its programme manager for changes.",
            comment_missing="Say what needs changing.",
        ),
        Step(
            name="reopen",
            to=Status.DRAFT,
            allowed_from=frozenset({Status.APPROVED}),
            role=Role.DIRECTOR,
            needs_comment=True,
            button="Reopen",
            label="Reason for reopening",
            done="Reopened the return as a draft.",
            comment_missing="Give the reason for reopening an approved return.",
        ),
    )
}

#: The statuses in which a return's lines (and its own ratings) may change.
EDITABLE = frozenset({Status.DRAFT, Status.RETURNED})


@dataclass(frozen=True)
class Actor:
    """Who wants to take a step, in plain values."""

    user_id: int | None
    roles: frozenset[Role]
    system: bool = False  # the management commands' actor (see the module)


def role_problem(step_name: str, *, actor: Actor) -> str:
    """Why ``actor`` may never take the step, whatever the return's status ("" when they may):
    the step belongs to another role (a permission matter, not the return's state)."""
    step = STEPS[step_name]
    if step.role in actor.roles:
        return ""
    if step.role is Role.PROGRAMME_MANAGER:
        return "Only the sub-region's programme manager submits its return."
    return "Only the Director signs returns off."


def problem(step_name: str, *, status: str, actor: Actor, submitted_by: int | None) -> str:
    """Why ``actor`` may not take the step now ("" when they may): their role first
    (``role_problem``), then the return's status and the four-eyes rule.

    ``submitted_by`` is the user who last submitted the return (for the four-eyes rule).
    """
    step = STEPS[step_name]
    current = Status(status)
    if refused := role_problem(step_name, actor=actor):
        return refused
    if current not in step.allowed_from:
        return f"A {label(current)} return cannot become {label(step.to)}."
    if (
        step.name == "approve"
        and not actor.system
        and submitted_by is not None
        and actor.user_id is not None
        and submitted_by == actor.user_id
    ):
        return "Four eyes: a return is never approved by the person who submitted it."
    return ""


#: The longest comment or reason a step keeps, as for every text of a return (issue 12: a text
#: without a bound once made a page of 270 MB).
COMMENT_MAX = 4000


def comment_problem(step_name: str, comment: str) -> str:
    """A step that needs a comment (send back) or a reason (reopen) is refused without one; no
    step keeps a comment longer than ``COMMENT_MAX`` characters."""
    step = STEPS[step_name]
    if step.needs_comment and not comment.strip():
        return step.comment_missing
    if len(comment) > COMMENT_MAX:
        return f"The comment is {len(comment):,} characters long: at most {COMMENT_MAX:,}, please."
    return ""


def available(*, status: str, actor: Actor, submitted_by: int | None) -> list[str]:
    """The steps ``actor`` may take now, in the order the page shows them."""
    return [
        name
        for name in STEPS
        if not problem(name, status=status, actor=actor, submitted_by=submitted_by)
    ]


def label(status: Status | str) -> str:
    return {
        Status.DRAFT: "draft",
        Status.SUBMITTED: "submitted",
        Status.APPROVED: "approved",
        Status.RETURNED: "returned for changes",
    }[Status(status)]

"""Every write to a return goes through here: checked, rated, versioned, audited, and the
stored overall ratings kept up to date in the same transaction.

* Lines are rated by the engine when they are written (returns.rating) and the overall
  ratings they rest on refreshed (returns.overall), so readers never rate anything.
* Every line change is recorded in the line's history (django-simple-history) with who, when,
  the channel ("web", "import: file.csv", "api", ...) and the old and new values; bulk writes
  record a history row for every changed line.
* A write based on an older version of the return is refused (``StaleReturn``), naming the
  lines changed meanwhile; a submitted or approved return is locked (``ReturnLocked``).
* Failures are structured errors (returns.errors), never text for callers to parse.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from authorities.models import Authority, SubRegion
from targets.models import Target, TargetSet, rating_rule
from targets.plans import year_target_values
from targets.rules import target_covers

from . import bulk, notices, permissions, submission, workflow
from .errors import (
    InvalidLines,
    LineProblem,
    ReturnLocked,
    ServiceError,
    StaleReturn,
    StepRefused,
)
from .models import (
    EDITABLE_LINE_FIELDS,
    RATED_LINE_FIELDS,
    REPORTED_RATINGS,
    LineScope,
    LineState,
    ReportedRating,
    Return,
    ReturnLine,
    ReturnStatus,
    Transition,
)
from .overall import refresh_return
from .periods import Quarter
from .rating import rate

__all__ = [
    "EDITABLE_FIELDS",
    "RATED_FIELDS",
    "ReturnLocked",
    "StaleReturn",
    "UpdateResult",
    "applicable_pairs",
    "approve_return",
    "check_writable",
    "open_return",
    "reopen_return",
    "send_back_return",
    "set_reported_ratings",
    "submit_return",
    "system_actor",
    "take_step",
    "update_lines",
]

EDITABLE_FIELDS = EDITABLE_LINE_FIELDS
RATED_FIELDS = RATED_LINE_FIELDS
_WRITTEN_FIELDS = (
    *EDITABLE_FIELDS,
    *RATED_FIELDS,
    "scope",
    "copied_forward",
    "changed_in_version",
    "updated_by",
    "updated_at",
)

LineKey = tuple[int, int]  # (authority id, target id)


@dataclass
class UpdateResult:
    changed: list[ReturnLine] = field(default_factory=list)
    created: list[ReturnLine] = field(default_factory=list)  # lines that did not exist yet
    unchanged: int = 0
    version: int = 0

    @property
    def outside_scope(self) -> list[ReturnLine]:
        """The lines created for authorities the target's rule does not cover."""
        return [line for line in self.created if line.scope == LineScope.OUTSIDE]


def system_actor():
    """The user that management commands act as when no --user is given (cannot sign in).

    Call it inside the command's transaction: a refused command then leaves no trace."""
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=permissions.SYSTEM_USERNAME,
        defaults={"is_active": False, "first_name": "System", "last_name": "(command)"},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def applicable_pairs(
    *, authorities: Iterable[Authority], targets: Iterable[Target], laa_leads: set[int]
) -> list[tuple[Authority, Target]]:
    """Authority × target pairs that a return has a line for (see targets.rules.target_covers)."""
    targets = list(targets)
    return [
        (authority, target)
        for authority in authorities
        for target in targets
        if target_covers(
            target,
            kind=authority.kind,
            leads_laa=authority.pk in laa_leads,
            authority_id=authority.pk,
        )
    ]


def _laa_leads() -> set[int]:
    return set(Authority.objects.filter(led_laa__isnull=False).values_list("pk", flat=True))


def _require_edit(actor, sub_region_id: int, target_set_id: int) -> None:
    if not permissions.can_edit_return_of(actor, sub_region_id, target_set_id):
        raise PermissionDenied("You may only change the returns of your own sub-region.")


def _set_targets(target_set_id: int):
    return (
        Target.objects.filter(target_set=target_set_id)
        .select_related("measure", "target_set")
        .prefetch_related("measure__levels")
    )


def _check_plan_sub_region(sub_region: SubRegion, target_set: TargetSet) -> None:
    """A set is returned by its own region's sub-regions only (each partnership its own
    targets); an improvement plan by its council's own sub-region only: elsewhere its return
    would have no line at all."""
    if target_set.region_id != sub_region.region_id:
        raise ServiceError(
            f"{target_set.title} is another region's target set: {sub_region.name} "
            "makes no return against it.",
            code="set_of_another_region",
        )
    if not target_set.is_plan or target_set.council_id is None:
        return
    council = Authority.objects.select_related("sub_region").get(pk=target_set.council_id)
    if council.sub_region_id != sub_region.pk:
        raise ServiceError(
            f"{target_set.title} is {council.name}'s own plan: its return is "
            f"{council.sub_region.name}'s, not {sub_region.name}'s.",
            code="plan_of_another_sub_region",
        )


def _trajectory_points(return_obj: Return, targets: list[Target]) -> dict[int, Any]:
    """The year targets of the return's year, by target: the trajectory point a new line of an
    improvement plan's commitment starts with (its own target value, which a person may
    change). None is read for a regional target set."""
    planned = [target.pk for target in targets if target.rule == "trajectory"]
    return year_target_values(target_ids=planned, year=return_obj.year) if planned else {}


# ------------------------------------------------------------------------------ opening


@transaction.atomic
def open_return(
    *, sub_region: SubRegion, target_set: TargetSet, quarter: Quarter, actor
) -> tuple[Return, bool]:
    """The sub-region's return for the quarter, created as a draft with its lines if new."""
    _require_edit(actor, sub_region.pk, target_set.pk)
    _check_plan_sub_region(sub_region, target_set)
    return_obj, created = Return.objects.get_or_create(
        sub_region=sub_region, target_set=target_set, year=quarter.year, quarter=quarter.quarter
    )
    if created:
        _record_created(return_obj, actor=actor)
    # A submitted or approved return is not changed behind its sign-off: an authority or a
    # target added since gets its line when the return is next editable.
    added = _add_missing_lines(return_obj, actor=actor) if return_obj.is_editable else 0
    if added or created:
        refresh_return(return_obj)
    return return_obj, created


def _record_created(return_obj: Return, *, actor) -> None:
    """The return's history starts with its creation, as a draft, by ``actor`` (opened on the
    grid, or created by its first import)."""
    Transition.objects.create(
        return_obj=return_obj,
        from_status=ReturnStatus.DRAFT,
        to_status=ReturnStatus.DRAFT,
        actor=actor,
        comment="Created as a draft.",
    )


def _add_missing_lines(return_obj: Return, *, actor) -> int:
    """A line, rated, for every applicable authority × target the return lacks."""
    authorities = Authority.objects.active().filter(sub_region=return_obj.sub_region_id)
    existing = set(return_obj.lines.values_list("authority_id", "target_id"))
    new_lines = []
    rules = {}
    targets = list(_set_targets(return_obj.target_set_id))
    points = _trajectory_points(return_obj, targets)
    for authority, target in applicable_pairs(
        authorities=authorities,
        targets=targets,
        laa_leads=_laa_leads(),
    ):
        if (authority.pk, target.pk) in existing:
            continue
        line = ReturnLine(
            return_obj=return_obj,
            authority=authority,
            target=target,
            state=LineState.AWAITING,
            target_value=points.get(target.pk),
            changed_in_version=return_obj.version,
            updated_by=actor,
        )
        if target.pk not in rules:  # (setdefault would make the rule again for every line)
            rules[target.pk] = rating_rule(target)
        rate(line, rules[target.pk])
        new_lines.append(line)
    if new_lines:
        bulk.insert_lines(new_lines)
        bulk.record_history(
            new_lines, history_type="+", actor=actor, reason="Line created", when=timezone.now()
        )
    return len(new_lines)


# ------------------------------------------------------------------------------ lines


def _locked(current: Return) -> ReturnLocked:
    return ReturnLocked(
        f"The return is {current.get_status_display().lower()}: "
        "it must be reopened by the Director before it can change."
    )


def check_writable(*, return_obj: Return, actor, base_version: int | None = None) -> Return:
    """The return as it is now, if ``actor`` may write it at ``base_version``; else the error
    the write itself would raise (PermissionDenied, ReturnLocked, StaleReturn), so a caller
    can refuse before reading what was sent."""
    return _current(return_obj, actor=actor, base_version=base_version)


def _current(return_obj: Return, *, actor, base_version: int | None) -> Return:
    _require_edit(actor, return_obj.sub_region_id, return_obj.target_set_id)
    current = Return.objects.select_related("sub_region").get(pk=return_obj.pk)
    if not current.is_editable:
        raise _locked(current)
    if base_version is not None and current.version != base_version:
        raise _stale(current, base_version)
    return current


@transaction.atomic
def update_lines(
    *,
    return_obj: Return,
    changes: Mapping[LineKey, Mapping[str, Any]],
    actor,
    channel: str,
    base_version: int | None = None,
    copied: bool = False,
) -> UpdateResult:
    """Apply field changes to lines of one return, all or nothing.

    ``changes`` maps (authority id, target id) to new values of EDITABLE_FIELDS. Each changed
    line is validated (``full_clean``), rated, and recorded in its history with ``channel`` as
    the reason. A key without a line creates one if the authority belongs to the return's
    sub-region: in the target's scope, or "outside the target's scope" where the rule does not
    cover the authority (kept, shown, never counted). Unchanged lines are left untouched, so a
    second identical write changes nothing. With ``base_version``, the write is refused when
    the return changed since that version. The overall ratings of the touched targets are
    refreshed in the same transaction. Every line written is marked ``copied_forward`` when
    ``copied`` (copy forward writes it), and unmarked otherwise: an edited line is no longer
    a copy.
    """
    current = _current(return_obj, actor=actor, base_version=base_version)
    lines = _lines_of(current)
    result = UpdateResult(version=current.version)
    new_keys = [key for key in changes if key not in lines]
    if new_keys:
        lines.update(_new_lines(current, new_keys, actor=actor))
    rules: dict[int, Any] = {}
    dirty: list[ReturnLine] = []
    problems: list[LineProblem] = []
    for key, values in changes.items():
        line = lines[key]
        unknown = set(values) - set(EDITABLE_FIELDS)
        if unknown:
            raise ValueError(f"Not editable: {sorted(unknown)}")
        before = {name: getattr(line, name) for name in (*EDITABLE_FIELDS, *RATED_FIELDS)}
        for name, value in values.items():
            setattr(line, name, value)
        if line.target_id not in rules:
            rules[line.target_id] = rating_rule(line.target)
        rate(line, rules[line.target_id])
        try:
            # The only constraint (one line per return × authority × target) is on excluded
            # fields, which Django then skips: not asking spares its per-line bookkeeping.
            line.full_clean(
                exclude=["return_obj", "authority", "target", "updated_by"],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as error:
            problems += LineProblem.all_of(line, error)
            continue
        if line.pk is None:
            result.created.append(line)
        elif {name: getattr(line, name) for name in before} == before:
            result.unchanged += 1
            continue
        dirty.append(line)
    if problems:
        raise InvalidLines(problems)
    if not dirty:
        return result

    new_version = _bump_version(current)
    now = timezone.now()
    for line in dirty:
        line.changed_in_version = new_version
        line.updated_by = actor
        line.updated_at = now
        line.copied_forward = copied
    created = [line for line in dirty if line.pk is None]
    existing = [line for line in dirty if line.pk is not None]
    if created:
        bulk.insert_lines(created)
        bulk.record_history(created, history_type="+", actor=actor, reason=channel, when=now)
    if existing:
        write_lines(existing, actor=actor, reason=channel, when=now)
    result.changed = dirty
    result.version = new_version
    return_obj.version = new_version
    refresh_return(current, target_ids={line.target_id for line in dirty})
    return result


def _lines_of(current: Return) -> dict[LineKey, ReturnLine]:
    """The return's lines by (authority id, target id), each given its authority and its
    target (with the measure and its levels) from one instance per authority and target: a
    10,000-line return makes 40 authorities and 50 targets, not 10,000 of each (4 queries)."""
    lines = list(current.lines.order_by())
    authorities = Authority.objects.in_bulk({line.authority_id for line in lines})
    targets = _set_targets(current.target_set_id).in_bulk({line.target_id for line in lines})
    for line in lines:
        line.authority = authorities[line.authority_id]
        line.target = targets[line.target_id]
    return {(line.authority_id, line.target_id): line for line in lines}


def _new_lines(current: Return, keys: list[LineKey], *, actor) -> dict[LineKey, ReturnLine]:
    """Unsaved lines for keys the return has no line for, in scope or outside it."""
    authorities = Authority.objects.in_bulk({authority_id for authority_id, _ in keys})
    targets = _set_targets(current.target_set_id).in_bulk({target_id for _, target_id in keys})
    points = _trajectory_points(current, list(targets.values()))
    leads = _laa_leads()
    made: dict[LineKey, ReturnLine] = {}
    problems = []
    for authority_id, target_id in keys:
        authority, target = authorities.get(authority_id), targets.get(target_id)
        if authority is not None and not authority.active:
            problems.append(
                LineProblem(
                    authority_id,
                    target_id,
                    "authority",
                    f"{authority.short_name} is no longer an active authority.",
                )
            )
            continue
        if authority is None or authority.sub_region_id != current.sub_region_id:
            problems.append(
                LineProblem(
                    authority_id,
                    target_id,
                    "authority",
                    f"Not an authority of {current.sub_region.name}.",
                )
            )
            continue
        if target is None:
            problems.append(
                LineProblem(
                    authority_id,
                    target_id,
                    "target",
                    f"Not a target of the return's set ({current.target_set_id}).",
                    authority.short_name,
                )
            )
            continue
        in_scope = target_covers(
            target, kind=authority.kind, leads_laa=authority.pk in leads, authority_id=authority.pk
        )
        made[(authority_id, target_id)] = ReturnLine(
            return_obj=current,
            authority=authority,
            target=target,
            state=LineState.AWAITING,
            target_value=points.get(target_id),
            scope=LineScope.IN if in_scope else LineScope.OUTSIDE,
            changed_in_version=current.version,
            updated_by=actor,
        )
    if problems:
        raise InvalidLines(problems)
    return made


def write_lines(lines: list[ReturnLine], *, actor, reason: str, when) -> None:
    """Write the changed lines' fields in one prepared UPDATE run over them all, and record a
    history row for each (returns.bulk): at import sizes this is several times faster than one
    save() per line, and Django's bulk_update (a CASE per line and field) is slower still."""
    bulk.update_lines(lines, _WRITTEN_FIELDS)
    bulk.record_history(lines, history_type="~", actor=actor, reason=reason, when=when)


def _bump_version(current: Return) -> int:
    """Claim the next version; a concurrent writer that claimed it first makes this fail."""
    claimed = Return.objects.filter(pk=current.pk, version=current.version).update(
        version=F("version") + 1, updated_at=timezone.now()
    )
    if not claimed:
        raise _stale(current, current.version)
    current.version += 1
    return current.version


def _stale(current: Return, base_version: int) -> StaleReturn:
    fresh = Return.objects.get(pk=current.pk)
    changed = list(
        fresh.lines.filter(changed_in_version__gt=base_version)
        .select_related("authority", "target", "updated_by")
        .order_by("authority__name", "target__priority")
    )
    return StaleReturn(
        f"Someone else changed this return while you were editing it "
        f"({len(changed)} line{'s' if len(changed) != 1 else ''} changed). "
        "Nothing of yours was saved: review their changes and enter yours again.",
        changed=changed,
        current_version=fresh.version,
    )


# ------------------------------------------------------------------- the sub-region's ratings


@dataclass(frozen=True)
class Reported:
    """A sub-region's own overall rating of one target, as a service takes it."""

    rating: str  # "R", "A", "G" or "GREY"
    reason: str
    source: str = ""


@transaction.atomic
def set_reported_ratings(
    *,
    return_obj: Return,
    ratings: Mapping[int, Reported | None],
    actor,
    channel: str,
    base_version: int | None = None,
) -> int:
    """Record the sub-region's own overall ratings, by target id (None removes one).

    Each is kept beside the computed overall rating and flagged where they differ. Recorded in
    the rating's history; the return's version moves on; returns how many changed."""
    current = _current(return_obj, actor=actor, base_version=base_version)
    targets = set(_set_targets(current.target_set_id).values_list("pk", flat=True))
    existing = {row.target_id: row for row in current.reported_ratings.all()}
    problems: list[LineProblem] = []
    changed: list[tuple[int, Reported | None]] = []
    for target_id, reported in ratings.items():
        if target_id not in targets:
            problems.append(LineProblem(0, target_id, "target", "Not a target of this return."))
            continue
        old = existing.get(target_id)
        if reported is None:
            if old is not None:
                changed.append((target_id, None))
            continue
        if reported.rating not in REPORTED_RATINGS:
            problems.append(
                LineProblem(0, target_id, "rating", "A sub-region's rating is R, A, G or Grey.")
            )
            continue
        if not reported.reason.strip():
            problems.append(
                LineProblem(0, target_id, "reason", "Give the sub-region's reason for its rating.")
            )
            continue
        if old is None or (old.rating, old.reason, old.source) != (
            reported.rating,
            reported.reason,
            reported.source,
        ):
            changed.append((target_id, reported))
    if problems:
        raise InvalidLines(problems)
    if not changed:
        return 0
    _bump_version(current)
    for target_id, reported in changed:
        row = existing.get(target_id)
        if reported is None:
            row._history_user = actor
            row._change_reason = channel
            row.delete()
            continue
        row = row or ReportedRating(return_obj=current, target_id=target_id)
        row.rating, row.reason, row.source = reported.rating, reported.reason, reported.source
        row.updated_by = actor
        row._history_user = actor
        row._change_reason = channel
        row.full_clean(exclude=["return_obj", "target", "updated_by"])
        row.save()
    refresh_return(current, target_ids={target_id for target_id, _ in changed})
    return len(changed)


# ------------------------------------------------------------------------------ sign-off


def actor_of(user, return_obj: Return) -> workflow.Actor:
    """The workflow's view of a user acting on a return."""
    roles = set()
    if permissions.can_submit(user, return_obj):
        roles.add(workflow.Role.PROGRAMME_MANAGER)
    if permissions.can_sign_off(user):
        roles.add(workflow.Role.DIRECTOR)
    return workflow.Actor(
        user_id=user.pk, roles=frozenset(roles), system=permissions.is_system(user)
    )


def submitted_by(return_obj: Return) -> int | None:
    """Who last submitted the return (for the four-eyes rule)."""
    return (
        Transition.objects.filter(return_obj=return_obj, to_status=ReturnStatus.SUBMITTED)
        .order_by("-at", "-id")
        .values_list("actor_id", flat=True)
        .first()
    )


@transaction.atomic
def take_step(
    *,
    return_obj: Return,
    step: str,
    actor,
    comment: str = "",
    awaiting_reasons: Mapping[int, str] | None = None,
) -> Return:
    """Take one sign-off step (returns.workflow): checked, recorded with who, when and the
    comment, and the overall ratings of every basis refreshed.

    A submission also records the lines still awaiting data (with ``awaiting_reasons``, line
    id → reason, where given) and, the first time, whether it met its deadline
    (returns.submission). The people concerned are told once the step commits
    (returns.notices)."""
    current = Return.objects.select_related("sub_region", "target_set").get(pk=return_obj.pk)
    who = actor_of(actor, current)
    if forbidden := workflow.role_problem(step, actor=who):
        raise PermissionDenied(forbidden)
    refused = workflow.problem(
        step, status=current.status, actor=who, submitted_by=submitted_by(current)
    )
    if refused:
        raise StepRefused(refused)
    missing = workflow.comment_problem(step, comment)
    if missing:
        raise StepRefused({"comment": [missing]})
    target = workflow.STEPS[step].to
    awaiting = []
    if step == "submit":
        awaiting = submission.awaiting_record(
            submission.awaiting_lines(current), awaiting_reasons or {}
        )
    _bump_version(current)
    Return.objects.filter(pk=current.pk).update(status=target)
    Transition.objects.create(
        return_obj=current,
        from_status=current.status,
        to_status=target,
        actor=actor,
        comment=comment,
        awaiting=awaiting,
    )
    if step == "submit":
        submission.record_timeliness(current)
    current.refresh_from_db()
    refresh_return(current)
    notices.step_taken(current, step=step, actor=actor, comment=comment)
    return current


def submit_return(
    *,
    return_obj: Return,
    actor,
    comment: str = "",
    awaiting_reasons: Mapping[int, str] | None = None,
) -> Return:
    """The programme manager sends a draft (or a returned) return to the Director."""
    return take_step(
        return_obj=return_obj,
        step="submit",
        actor=actor,
        comment=comment,
        awaiting_reasons=awaiting_reasons,
    )


def approve_return(*, return_obj: Return, actor, comment: str = "") -> Return:
    """The Director approves a submitted return; it is locked from then on."""
    return take_step(return_obj=return_obj, step="approve", actor=actor, comment=comment)


def send_back_return(*, return_obj: Return, actor, comment: str) -> Return:
    """The Director returns a submitted return to its programme manager, saying why."""
    return take_step(return_obj=return_obj, step="send-back", actor=actor, comment=comment)


def reopen_return(*, return_obj: Return, actor, reason: str) -> Return:
    """The Director reopens an approved return as a draft; the reason is recorded."""
    return take_step(return_obj=return_obj, step="reopen", actor=actor, comment=reason)

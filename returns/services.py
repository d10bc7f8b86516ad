"""Every write to a return goes through here: checked, rated, versioned and audited.

Lines are rated by targets.rating from their values whenever they are written. Line changes are
recorded in the line's history (django-simple-history) with who, when, the channel and the old
and new values; bulk writes use simple-history's bulk helpers so that none goes unrecorded.
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
from simple_history.utils import bulk_create_with_history

from authorities.models import Authority, SubRegion
from targets.models import Target, TargetSet, rating_rule
from targets.rating import LineInput, computed_rating
from targets.rules import target_applies

from . import permissions
from .models import EDITABLE_LINE_FIELDS, LineState, Return, ReturnLine, ReturnStatus, Transition
from .periods import Quarter

EDITABLE_FIELDS = EDITABLE_LINE_FIELDS
RATED_FIELDS = ("status", "computed_rating", "effective_rating", "explanation")


class ReturnLocked(ValidationError):
    """The return is submitted or approved: its lines cannot change until it is reopened."""


class StaleReturn(ValidationError):
    """Someone changed the return since the version the caller based its changes on."""

    def __init__(self, message: str, *, changed: list[ReturnLine]):
        super().__init__(message)
        self.changed = changed


@dataclass
class UpdateResult:
    changed: list[ReturnLine] = field(default_factory=list)
    unchanged: int = 0
    version: int = 0


def system_actor():
    """The user that management commands act as when no --user is given (cannot sign in)."""
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
    """Authority × target pairs that a return has a line for (see targets.rules.target_applies)."""
    targets = list(targets)
    return [
        (authority, target)
        for authority in authorities
        for target in targets
        if target_applies(
            scope=target.scope,
            applies_to=target.applies_to,
            kind=authority.kind,
            leads_laa=authority.pk in laa_leads,
        )
    ]


def rate(line: ReturnLine, rule=None) -> None:
    """Set a line's comparison status, computed and effective rating and explanation."""
    rule = rule or rating_rule(line.target)
    result = computed_rating(
        rule,
        LineInput(
            authority=line.authority.short_name,
            actual=line.actual,
            target_value=line.target_value,
            state=line.state,
            manual=line.manual_rating or None,
        ),
    )
    line.status = result.status.value if result.status else ""
    line.computed_rating = result.computed.value
    line.effective_rating = result.effective.value
    line.explanation = result.explanation


def _require_edit(actor, sub_region_id: int) -> None:
    if not permissions.can_edit_sub_region(actor, sub_region_id):
        raise PermissionDenied("You may only change the returns of your own sub-region.")


@transaction.atomic
def open_return(
    *, sub_region: SubRegion, target_set: TargetSet, quarter: Quarter, actor
) -> tuple[Return, bool]:
    """The sub-region's return for the quarter, created as a draft with its lines if new."""
    _require_edit(actor, sub_region.pk)
    return_obj, created = Return.objects.get_or_create(
        sub_region=sub_region, target_set=target_set, year=quarter.year, quarter=quarter.quarter
    )
    if created:
        Transition.objects.create(
            return_obj=return_obj,
            from_status=ReturnStatus.DRAFT,
            to_status=ReturnStatus.DRAFT,
            actor=actor,
            comment="Created as a draft.",
        )
    _add_missing_lines(return_obj, actor=actor)
    return return_obj, created


def _add_missing_lines(return_obj: Return, *, actor) -> int:
    authorities = Authority.objects.active().filter(sub_region=return_obj.sub_region_id)
    targets = (
        Target.objects.filter(target_set=return_obj.target_set_id)
        .select_related("measure")
        .prefetch_related("measure__levels")
    )
    laa_leads = set(Authority.objects.filter(led_laa__isnull=False).values_list("pk", flat=True))
    existing = set(return_obj.lines.values_list("authority_id", "target_id"))
    new_lines = []
    for authority, target in applicable_pairs(
        authorities=authorities, targets=targets, laa_leads=laa_leads
    ):
        if (authority.pk, target.pk) in existing:
            continue
        line = ReturnLine(
            return_obj=return_obj,
            authority=authority,
            target=target,
            state=LineState.AWAITING,
            target_value=target.threshold,
            changed_in_version=return_obj.version,
            updated_by=actor,
        )
        rate(line, rating_rule(target))
        new_lines.append(line)
    if new_lines:
        bulk_create_with_history(
            new_lines, ReturnLine, default_user=actor, default_change_reason="Line created"
        )
    return len(new_lines)


LineKey = tuple[int, int]  # (authority id, target id)


@transaction.atomic
def update_lines(
    *,
    return_obj: Return,
    changes: Mapping[LineKey, Mapping[str, Any]],
    actor,
    channel: str,
    base_version: int | None = None,
) -> UpdateResult:
    """Apply field changes to lines of one return, all or nothing.

    `changes` maps (authority id, target id) to new values of EDITABLE_FIELDS. Each changed line
    is validated (full_clean), re-rated and recorded in its history with `channel` as the reason
    ("web", "import: returns.csv row 12", "api", ...). Unchanged lines are left untouched, so a
    second identical write changes nothing. With `base_version`, the write is refused when the
    return changed since that version, naming the lines changed meanwhile.
    """
    _require_edit(actor, return_obj.sub_region_id)
    current = Return.objects.get(pk=return_obj.pk)
    if not current.is_editable:
        raise ReturnLocked(
            f"The return is {current.get_status_display().lower()}: "
            "it must be reopened by the Director before it can change."
        )
    if base_version is not None and current.version != base_version:
        raise _stale(current, base_version)

    lines = {
        (line.authority_id, line.target_id): line
        for line in current.lines.select_related("authority", "target__measure").prefetch_related(
            "target__measure__levels"
        )
    }
    rules: dict[int, Any] = {}
    result = UpdateResult(version=current.version)
    dirty: list[ReturnLine] = []
    errors: dict[str, list[str]] = {}
    for key, values in changes.items():
        line = lines.get(key)
        if line is None:
            errors.setdefault("__all__", []).append(
                f"No line for authority {key[0]} and target {key[1]}: the target does not apply."
            )
            continue
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
            line.full_clean(exclude=["return_obj", "authority", "target", "updated_by"])
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                errors.setdefault(
                    f"{line.authority.short_name} / {line.target.number} / {name}", []
                ).extend(messages)
            continue
        after = {name: getattr(line, name) for name in before}
        if after == before:
            result.unchanged += 1
        else:
            dirty.append(line)
    if errors:
        raise ValidationError(errors)
    if not dirty:
        return result

    new_version = _bump_version(current)
    now = timezone.now()
    for line in dirty:
        line.changed_in_version = new_version
        line.updated_by = actor
        line.updated_at = now
    # One UPDATE per line: Django's bulk_update builds a CASE per field and line, which is
    # ten times slower at import sizes. Each save records its history row (simple-history).
    fields = [*EDITABLE_FIELDS, *RATED_FIELDS, "changed_in_version", "updated_by", "updated_at"]
    for line in dirty:
        line._history_user = actor
        line._change_reason = channel
        line.save(update_fields=fields)
    result.changed = dirty
    result.version = new_version
    return_obj.version = new_version
    return result


def _bump_version(current: Return) -> int:
    """Claim the next version; a concurrent writer that claimed it first makes this fail."""
    claimed = Return.objects.filter(pk=current.pk, version=current.version).update(
        version=F("version") + 1, updated_at=timezone.now()
    )
    if not claimed:
        raise _stale(current, current.version)
    return current.version + 1


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
    )


def _transition(
    return_obj: Return, *, to: ReturnStatus, allowed_from: set[str], actor, comment: str
) -> Return:
    current = Return.objects.get(pk=return_obj.pk)
    if current.status not in allowed_from:
        raise ValidationError(
            f"A {current.get_status_display().lower()} return cannot become "
            f"{ReturnStatus(to).label.lower()}."
        )
    _bump_version(current)
    Return.objects.filter(pk=current.pk).update(status=to)
    Transition.objects.create(
        return_obj=current, from_status=current.status, to_status=to, actor=actor, comment=comment
    )
    current.refresh_from_db()
    return current


@transaction.atomic
def submit_return(*, return_obj: Return, actor, comment: str = "") -> Return:
    """The programme manager sends a draft (or a returned) return to the Director."""
    if not permissions.can_submit(actor, return_obj):
        raise PermissionDenied("Only the sub-region's programme manager submits its return.")
    return _transition(
        return_obj,
        to=ReturnStatus.SUBMITTED,
        allowed_from={ReturnStatus.DRAFT, ReturnStatus.RETURNED},
        actor=actor,
        comment=comment,
    )


@transaction.atomic
def approve_return(*, return_obj: Return, actor, comment: str = "") -> Return:
    """The Director approves a submitted return; it is locked from then on."""
    if not permissions.can_sign_off(actor):
        raise PermissionDenied("Only the Director approves returns.")
    return _transition(
        return_obj,
        to=ReturnStatus.APPROVED,
        allowed_from={ReturnStatus.SUBMITTED},
        actor=actor,
        comment=comment,
    )


@transaction.atomic
def send_back_return(*, return_obj: Return, actor, comment: str) -> Return:
    """The Director returns a submitted return to its programme manager, saying why."""
    if not permissions.can_sign_off(actor):
        raise PermissionDenied("Only the Director returns a return for changes.")
    if not comment.strip():
        raise ValidationError({"comment": "Say what needs changing."})
    return _transition(
        return_obj,
        to=ReturnStatus.RETURNED,
        allowed_from={ReturnStatus.SUBMITTED},
        actor=actor,
        comment=comment,
    )


@transaction.atomic
def reopen_return(*, return_obj: Return, actor, reason: str) -> Return:
    """The Director reopens an approved return as a draft; the reason is recorded."""
    if not permissions.can_sign_off(actor):
        raise PermissionDenied("Only the Director reopens an approved return.")
    if not reason.strip():
        raise ValidationError({"comment": "Give the reason for reopening an approved return."})
    return _transition(
        return_obj,
        to=ReturnStatus.DRAFT,
        allowed_from={ReturnStatus.APPROVED},
        actor=actor,
        comment=reason,
    )

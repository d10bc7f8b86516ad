"""Create a return with its lines' values in one write (an import into a quarter with no return).

``services.open_return`` creates a draft with a blank line per applicable authority × target,
and ``services.update_lines`` then writes the values: each line written twice, rated twice,
with two history rows. For a return that does not exist yet, ``create_return_with_lines``
writes each line once, with its value: the same checks, the same version, the same stored
rating and overall ratings as those two services together, and one history row per line, its
creation, that says why it was made (the channel for a line given a value, "Line created" for
a line left blank). A return that exists already (someone created it meanwhile) goes through
the two services, as before.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from authorities.models import Authority, SubRegion
from targets.models import TargetSet, rating_rule

from . import bulk, services
from .errors import InvalidLines, LineProblem
from .models import LineScope, LineState, Return, ReturnLine
from .overall import refresh_return
from .periods import Quarter
from .rating import AlikeRated

__all__ = ["create_return_with_lines"]

#: The history reason of a line created blank with its return (as ``open_return`` writes it).
CREATED = "Line created"


@transaction.atomic
def create_return_with_lines(
    *,
    sub_region: SubRegion,
    target_set: TargetSet,
    quarter: Quarter,
    actor,
    changes: Mapping[services.LineKey, Mapping[str, Any]],
    channel: str,
) -> tuple[Return, bool, services.UpdateResult]:
    """The sub-region's return for the quarter, created as a draft with its lines, each line
    written once with the values ``changes`` gives it (as ``update_lines`` takes them);
    returns (the return, whether it was created, what was written).

    Business rules, as ``open_return`` then ``update_lines`` apply them: a line for every
    active authority × target the set's rules cover; a key outside them makes a line "outside
    the target's scope" for an authority of the sub-region (any other key is refused, naming
    the line); every line is rated by the engine once; a line given values is validated
    (``full_clean``) and, when its values differ from a blank line's, marks the return's next
    version, with ``channel`` as the reason of its history row. All or nothing; the overall
    ratings are refreshed in the same transaction."""
    services._require_edit(actor, sub_region.pk, target_set.pk)
    services._check_plan_sub_region(sub_region, target_set)
    return_obj, created = Return.objects.get_or_create(
        sub_region=sub_region, target_set=target_set, year=quarter.year, quarter=quarter.quarter
    )
    if not created:
        return_obj, _ = services.open_return(
            sub_region=sub_region, target_set=target_set, quarter=quarter, actor=actor
        )
        result = services.update_lines(
            return_obj=return_obj, changes=changes, actor=actor, channel=channel
        )
        return return_obj, False, result
    return_obj.sub_region = sub_region  # the instance given (the region, the name for errors)
    services._record_created(return_obj, actor=actor)
    lines = _blank_lines(return_obj, actor=actor)
    new_keys = [key for key in changes if key not in lines]
    if new_keys:  # outside the targets' scope (or refused, naming the line)
        lines.update(services._new_lines(return_obj, new_keys, actor=actor))
    dirty = _apply_values(lines, changes)
    written = set(map(id, dirty))
    blank = [line for line in lines.values() if id(line) not in written]
    now = timezone.now()
    if dirty:
        version = services._bump_version(return_obj)
        for line in dirty:
            line.changed_in_version = version
            line.updated_at = now
    made = list(lines.values())  # in open_return's order
    inserted = dict(zip(map(id, made), bulk.insert_lines(made), strict=True))
    for group, reason in ((blank, CREATED), (dirty, channel)):
        bulk.record_history(
            group,
            history_type="+",
            actor=actor,
            reason=reason,
            when=now,
            inserted=[inserted[id(line)] for line in group],
        )
    refresh_return(return_obj)
    result = services.UpdateResult(changed=dirty, created=dirty, version=return_obj.version)
    return return_obj, True, result


def _blank_lines(return_obj: Return, *, actor) -> dict[services.LineKey, ReturnLine]:
    """An unsaved line, awaiting data, for every applicable authority × target (not rated
    yet), keyed by (authority id, target id): what ``open_return`` creates.

    Each is made from one blank line's field values, by position (Django's fast way of making
    an instance: a 10,000-line return spends a third of the time in keyword arguments), and
    given its authority and target instances (read when it is checked and named)."""
    authorities = Authority.objects.active().filter(sub_region=return_obj.sub_region_id)
    targets = list(services._set_targets(return_obj.target_set_id))
    points = services._trajectory_points(return_obj, targets)
    blank = ReturnLine(
        return_obj=return_obj,
        state=LineState.AWAITING,
        scope=LineScope.IN,
        changed_in_version=return_obj.version,
        updated_by=actor,
    )
    fields = ReturnLine._meta.concrete_fields
    values = [getattr(blank, field.attname) for field in fields]
    relations = [ReturnLine._meta.get_field(name) for name in ("return_obj", "authority", "target")]
    lines = {}
    for authority, target in services.applicable_pairs(
        authorities=authorities, targets=targets, laa_leads=services._laa_leads()
    ):
        line = ReturnLine(*values)
        line.authority_id, line.target_id = authority.pk, target.pk
        line.target_value = points.get(target.pk)
        for relation, related in zip(relations, (return_obj, authority, target), strict=True):
            relation.set_cached_value(line, related)
        lines[(authority.pk, target.pk)] = line
    return lines


_EDITABLE = frozenset(services.EDITABLE_FIELDS)


@functools.cache
def _excluded(given: frozenset[str]) -> frozenset[str]:
    return frozenset(field.name for field in ReturnLine._meta.fields) - given


def _not_given(values: Mapping[str, Any]) -> frozenset[str]:
    """The fields ``full_clean`` leaves out for a new line given ``values``."""
    return _excluded(frozenset(values))


def _apply_values(
    lines: Mapping[services.LineKey, ReturnLine],
    changes: Mapping[services.LineKey, Mapping[str, Any]],
) -> list[ReturnLine]:
    """Give the lines their values and rate every line once; the lines whose values (or
    rating) differ from a blank line's, or that exist only because a value was given for
    them (outside the target's scope). Raises InvalidLines naming every line that fails its
    checks."""
    rules = {line.target_id: line.target for line in lines.values()}
    rater = AlikeRated({pk: rating_rule(target) for pk, target in rules.items()})
    dirty: list[ReturnLine] = []
    problems: list[LineProblem] = []
    for key, line in lines.items():
        values = changes.get(key)
        if values is None:
            rater.rate(line)
            continue
        if not values.keys() <= _EDITABLE:
            raise ValueError(f"Not editable: {sorted(set(values) - _EDITABLE)}")
        # Only the fields given change: the line differs from a blank one if one of them does.
        differs = any(getattr(line, name) != value for name, value in values.items())
        for name, value in values.items():
            setattr(line, name, value)
        rater.rate(line)
        try:
            # The fields given, and the line as a whole (``clean``): every other field holds
            # what the service set itself (a blank line's defaults, the engine's rating), and
            # the one constraint (a line per return × authority × target) holds by making.
            line.full_clean(
                exclude=_not_given(values), validate_unique=False, validate_constraints=False
            )
        except ValidationError as error:
            problems += LineProblem.all_of(line, error)
            continue
        if differs or line.scope == LineScope.OUTSIDE:
            dirty.append(line)
    if problems:
        raise InvalidLines(problems)
    return dirty

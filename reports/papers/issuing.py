"""What changed since a paper was issued: the figures restated, reported vs now, and why.

An issued paper never changes (its PDF and snapshot are frozen). The returns go on: a value is
corrected, a manual rating is given, a rule is revised. ``restatements(issued, user=...)``
compares the issue's snapshot with the same data built now, line by line (by sub-region,
authority and target), and target by target, and gives for each
changed line who changed it, when, and through which channel (the line history's
``history_change_reason``: "web", "import: file.xlsx row 12", ...), with the line's manual
reason where it has a manual rating.

Only what the reader may see: the current data is built for the reader (the read layer scopes
it), so a programme manager sees restatements of their own sub-region only, and the region's
overall rating is compared only for a reader who sees the whole region. A change of a target's
rule re-rates its lines in one recorded step (returns.rerating): each such re-rating since the
issue is listed too, with who, when, why and how many lines it changed.

Each restated figure shows its reasons: the reason its return was reopened or sent back since
the issue (the sign-off's own comment, returns.models.Transition), and the line's comment.
The current figures are read on the issue's own basis (approved returns only, or all).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from returns.models import Basis, Rerating, ReturnLine, ReturnStatus, Transition
from returns.periods import Quarter
from targets.models import TargetSet

from .key import RATING_LETTERS
from .snapshot import build_data

__all__ = ["Change", "LineRestatement", "OverallRestatement", "Restatements", "restatements"]

#: The figures of a line compared: (snapshot key, label).
FIGURES = (
    ("actual_text", "Value"),
    ("target_text", "Target value"),
    ("state", "State"),
    ("manual", "Manual rating"),
    ("effective", "Rating"),
)


def _shown(name: str, value) -> str:
    if name in {"manual", "effective"}:
        return RATING_LETTERS.get(value, value) if value else "—"
    if name == "state":
        return (value or "").replace("_", " ") or "—"
    return value or "—"


def _overall_text(rating: str | None) -> str:
    return RATING_LETTERS.get(rating, rating) if rating else "not rated"


@dataclass(frozen=True)
class Change:
    figure: str
    reported: str
    now: str


@dataclass(frozen=True)
class Audit:
    when: datetime
    who: str
    channel: str


@dataclass(frozen=True)
class Reason:
    """Why a return was opened again since the issue: its sign-off step and comment."""

    step: str  # "Reopened", "Sent back"
    when: datetime
    who: str
    text: str


@dataclass
class LineRestatement:
    sub_region: str
    authority: str
    target: str
    changes: list[Change]
    audit: list[Audit] = field(default_factory=list)
    manual_reason: str = ""
    comment: str = ""
    gone: bool = False  # the line is no longer in the returns (or no longer visible)
    key: tuple[str, str, int] | None = None  # (sub-region slug, authority slug, target id)
    reasons: list[Reason] = field(default_factory=list)  # its return reopened or sent back


@dataclass
class OverallRestatement:
    where: str
    target: str
    reported: str
    now: str
    explanation: str
    reasons: list[Reason] = field(default_factory=list)


@dataclass(frozen=True)
class RuleRestatement:
    """A target's rule changed since the issue, and its lines were re-rated."""

    target: str
    when: datetime
    who: str
    reason: str
    changes: dict
    lines_changed: int


@dataclass
class Restatements:
    lines: list[LineRestatement]
    overall: list[OverallRestatement]
    scope_note: str
    rules: list[RuleRestatement] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.lines or self.overall or self.rules)


def _key(line: dict) -> tuple[str, str, int]:
    return (line["sub_region"], line["authority"], line["target_id"])


def restatements(issued, *, user, basis: str | None = None) -> Restatements:
    """The figures of an issued paper restated since, as ``user`` may see them now, on the
    issue's own basis (or on ``basis``: "all" compares with every return)."""
    reported = issued.snapshot["data"]
    if reported is None:
        # A report without a target set states no figure, so none can be restated.
        return Restatements(lines=[], overall=[], scope_note="")
    target_set = TargetSet.objects.get(slug=reported["target_set"]["slug"])
    quarter = Quarter.parse(reported["quarter"])
    basis = basis or reported.get("basis", Basis.ALL)
    current = build_data(
        user=user, target_set=target_set, quarter=quarter, trend=False, basis=basis
    )
    why = _return_reasons(target_set=target_set, quarter=quarter, since=issued.issued_at)
    visible = {sub_region["slug"] for sub_region in current["sub_regions"]}
    names = {sub_region["slug"]: sub_region["name"] for sub_region in reported["sub_regions"]}
    numbers = {target["id"]: target["number"] for target in reported["targets"]}

    now_lines = {_key(line): line for line in current["lines"]}
    changed: list[LineRestatement] = []
    for line in reported["lines"]:
        if line["sub_region"] not in visible:
            continue
        then = line
        now = now_lines.get(_key(line))
        if now is None:
            changed.append(
                LineRestatement(
                    sub_region=names.get(line["sub_region"], line["sub_region"]),
                    authority=line["authority_short_name"],
                    target=numbers.get(line["target_id"], "?"),
                    changes=[],
                    gone=True,
                    reasons=why.get(line["sub_region"], []),
                )
            )
            continue
        changes = [
            Change(label, _shown(name, then.get(name)), _shown(name, now.get(name)))
            for name, label in FIGURES
            if (then.get(name) or None) != (now.get(name) or None)
        ]
        if changes:
            changed.append(
                LineRestatement(
                    sub_region=names.get(line["sub_region"], line["sub_region"]),
                    authority=line["authority_short_name"],
                    target=numbers.get(line["target_id"], "?"),
                    changes=changes,
                    manual_reason=now.get("manual_reason", "") if now.get("manual") else "",
                    comment=now.get("comment", ""),
                    key=_key(line),
                    reasons=why.get(line["sub_region"], []),
                )
            )
    _attach_audit(changed, target_set=target_set, quarter=quarter, since=issued.issued_at)

    overall: list[OverallRestatement] = []
    current_targets = {target["id"]: target for target in current["targets"]}
    for target in reported["targets"]:
        now_target = current_targets.get(target["id"])
        if now_target is None:
            continue
        if (
            current["whole_region"]
            and reported["whole_region"]
            and target["region"]["rating"] != now_target["region"]["rating"]
        ):
            overall.append(
                OverallRestatement(
                    where="The region",
                    target=target["number"],
                    reported=_overall_text(target["region"]["rating"]),
                    now=_overall_text(now_target["region"]["rating"]),
                    explanation=now_target["region"]["explanation"],
                )
            )
        now_by_slug = {each["slug"]: each for each in now_target["sub_regions"]}
        for each in target["sub_regions"]:
            now_each = now_by_slug.get(each["slug"])
            if now_each is None or now_each["rating"] == each["rating"]:
                continue
            overall.append(
                OverallRestatement(
                    where=names.get(each["slug"], each["slug"]),
                    target=target["number"],
                    reported=_overall_text(each["rating"]),
                    now=_overall_text(now_each["rating"]),
                    explanation=now_each["explanation"],
                    reasons=why.get(each["slug"], []),
                )
            )
    rules = [
        RuleRestatement(
            target=numbers.get(rerating.target_id, "?"),
            when=rerating.at,
            who=rerating.actor.get_full_name() or rerating.actor.get_username(),
            reason=rerating.reason,
            changes=rerating.changes,
            lines_changed=rerating.lines_changed,
        )
        for rerating in Rerating.objects.filter(
            target__target_set=target_set, at__gt=issued.issued_at
        )
        .select_related("actor")
        .order_by("at", "id")
    ]
    return Restatements(
        lines=changed, overall=overall, scope_note=current["scope_note"], rules=rules
    )


#: The sign-off steps that open a return again, as the restatements name them.
_STEPS = {
    (ReturnStatus.APPROVED, ReturnStatus.DRAFT): "Reopened",
    (ReturnStatus.SUBMITTED, ReturnStatus.RETURNED): "Sent back",
}


def _return_reasons(
    *, target_set: TargetSet, quarter: Quarter, since: datetime
) -> dict[str, list[Reason]]:
    """By sub-region slug: each reopening or sending back of its return since the issue, with
    the comment the step was taken with (one query)."""
    found: dict[str, list[Reason]] = {}
    steps = (
        Transition.objects.filter(
            return_obj__target_set=target_set,
            return_obj__year=quarter.year,
            return_obj__quarter=quarter.quarter,
            at__gt=since,
        )
        .select_related("actor", "return_obj__sub_region")
        .order_by("at", "id")
    )
    for step in steps:
        name = _STEPS.get((step.from_status, step.to_status))
        if name is None:
            continue
        actor = step.actor
        found.setdefault(step.return_obj.sub_region.slug, []).append(
            Reason(
                step=name,
                when=step.at,
                who=actor.get_full_name() or actor.get_username(),
                text=step.comment or "(no reason given)",
            )
        )
    return found


def _attach_audit(
    changed: list[LineRestatement], *, target_set: TargetSet, quarter: Quarter, since: datetime
) -> None:
    """Each changed line's history records since the issue (two queries: the lines' ids, then
    their history with the users)."""
    wanted = {restatement.key: restatement for restatement in changed if restatement.key}
    if not wanted:
        return
    rows = ReturnLine.objects.filter(
        return_obj__target_set=target_set,
        return_obj__year=quarter.year,
        return_obj__quarter=quarter.quarter,
        target_id__in={key[2] for key in wanted},
        authority__slug__in={key[1] for key in wanted},
    ).values_list("id", "return_obj__sub_region__slug", "authority__slug", "target_id")
    by_id = {
        pk: wanted[(sub_region, authority, target)]
        for pk, sub_region, authority, target in rows
        if (sub_region, authority, target) in wanted
    }
    if not by_id:
        return
    records = (
        ReturnLine.history.filter(id__in=list(by_id), history_date__gt=since)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    for record in records:
        user = record.history_user
        by_id[record.id].audit.append(
            Audit(
                when=record.history_date,
                who=(user.get_full_name() or user.get_username()) if user else "unknown",
                channel=record.history_change_reason or "",
            )
        )

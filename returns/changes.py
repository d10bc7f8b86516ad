"""What changed in a return since the Director last looked at it: the sign-off page's summary.

Business rules
--------------
* The **baseline** is the return's last approval; a return never approved is compared with
  its first submission (so a resubmission after a send-back shows what the programme manager
  changed). A return never submitted has no summary.
* A line has **changed** when its history (django-simple-history, every channel) has a record
  after the baseline and its value, state, target value, date, own rating, reason or comment
  now differ from what they were at the baseline. A line changed and changed back is not
  listed. A line created after the baseline is shown as new.
* Each changed line shows the old and new value and rating, which fields changed, who changed
  it last and when, and how many changes were made.

Two queries whatever the size of the return: the lines (with their authorities, targets and
levels) and their history records (with their users).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from .models import Return, ReturnLine, ReturnStatus, Transition
from .tables import Rag, field_text, rag

#: The fields compared, with how the summary names them.
COMPARED = {
    "state": "state",
    "actual": "value",
    "target_value": "target value",
    "date_of_data": "date of data",
    "manual_rating": "own rating",
    "manual_reason": "reason for the rating",
    "state_reason": "why it does not apply",
    "comment": "comment",
    "source": "source",
    "effective_rating": "rating",
}


@dataclass(frozen=True)
class ChangedLine:
    where: str
    line_id: int
    old_value: str
    new_value: str
    old_rag: Rag | None  # None: the line did not exist at the baseline
    new_rag: Rag
    fields: list[str]
    who: str
    when: datetime
    edits: int


@dataclass(frozen=True)
class ChangeSummary:
    since: str  # "the approval of 3 Dec 2026, 10:02" / "its first submission ..."
    baseline_at: datetime
    first_approval: bool
    lines: list[ChangedLine]


def baseline_of(return_obj: Return) -> tuple[Transition, bool] | None:
    """The transition the summary compares with (the last approval, else the first
    submission), and whether there was an approval; None when never submitted."""
    steps = list(
        return_obj.transitions.filter(
            to_status__in=[ReturnStatus.APPROVED, ReturnStatus.SUBMITTED]
        ).order_by("at", "id")
    )
    approvals = [step for step in steps if step.to_status == ReturnStatus.APPROVED]
    if approvals:
        return approvals[-1], True
    submissions = [step for step in steps if step.to_status == ReturnStatus.SUBMITTED]
    return (submissions[0], False) if submissions else None


def _value(line: ReturnLine, values: dict) -> str:
    if values.get("actual") is not None:
        return field_text(line, "actual", values["actual"])
    return field_text(line, "state", values.get("state") or "awaiting").lower()


def changes_since_baseline(return_obj: Return) -> ChangeSummary | None:
    """The summary of the return's changes since its baseline (see the module)."""
    found = baseline_of(return_obj)
    if found is None:
        return None
    baseline, approved = found
    lines = {
        line.pk: line
        for line in ReturnLine.objects.filter(return_obj=return_obj)
        .select_related("authority", "target__measure")
        .prefetch_related("target__measure__levels")
    }
    history = ReturnLine.history.filter(return_obj_id=return_obj.pk).select_related("history_user")
    before: dict[int, object] = {}
    after: dict[int, list] = {}
    for record in history.order_by("history_date", "history_id"):
        if record.history_date <= baseline.at:
            before[record.id] = record
        else:
            after.setdefault(record.id, []).append(record)
    changed = []
    for line_id, records in after.items():
        line = lines.get(line_id)
        if line is None:
            continue  # deleted since (never done by the services)
        old = before.get(line_id)
        now = {name: getattr(line, name) for name in COMPARED}
        then = {name: getattr(old, name) for name in COMPARED} if old is not None else None
        fields = [
            label for name, label in COMPARED.items() if then is None or then[name] != now[name]
        ]
        if then is not None and not fields:
            continue
        last = records[-1]
        user = last.history_user
        changed.append(
            ChangedLine(
                where=f"{line.authority.short_name}, target {line.target.number}",
                line_id=line.pk,
                old_value=_value(line, then) if then is not None else "(no line)",
                new_value=_value(line, now),
                old_rag=rag(then["effective_rating"]) if then is not None else None,
                new_rag=rag(line.effective_rating),
                fields=fields if then is not None else ["new line"],
                who=(user.get_full_name() or user.username) if user else "unknown",
                when=last.history_date,
                edits=len(records),
            )
        )
    changed.sort(key=lambda item: (item.where, item.line_id))
    when = timezone.localtime(baseline.at)
    since = (
        f"its last approval ({when:%-d %b %Y, %H:%M})"
        if approved
        else f"its first submission ({when:%-d %b %Y, %H:%M})"
    )
    return ChangeSummary(since=since, baseline_at=when, first_approval=not approved, lines=changed)

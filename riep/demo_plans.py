"""The demo's improvement plan monitoring: Leicestershire County Council's Q1 2008/09 (seed 004).

``load_demo_plans()`` reads ``fixtures/demo/plans/*.toml`` (one file per plan and quarter: one
line per commitment, each citing its lines of seed 004) and records them through the same
service as the progress page (returns.services.update_lines, channel "demo: seed 004"), as the
demo Director, into the council's sub-region's return for the quarter. Then the sub-region's
demo programme manager submits it and the Director approves it, so that the Board's "approved
returns only" view shows the plan too. The paper says nothing of sign-off: the steps are the
demo's and their comments say so.

How a line of the file becomes a return line (the file's header says why):

* ``progress`` Green / Amber / Red / Achieved without a figure → "progress rated by hand",
  with the council's rating and the comment as its reason;
* with a figure (``value``, ``target_value``: the year's trajectory point) → a value, rated by
  the trajectory rule; the council's rating is kept beside the rule's;
* "not yet due" → not yet due, the comment saying when the data comes (never awaiting data);
* "not applicable" → marked not applicable, the comment saying why (the indicator ended);
* "" (the paper prints no rating) → awaiting a rating, with the comment.

Idempotent: recording the same lines again changes nothing, and a return already submitted or
approved is left as it is.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from authorities.models import Authority
from returns import progress as progress_choice
from returns import services
from returns.errors import InvalidLines
from returns.models import Rating, Return, ReturnStatus
from returns.periods import Quarter
from targets.models import Target, TargetSet

from .demo import DEMO_USERS
from .demo_returns import DemoDataError, ReferenceDataMissing

__all__ = ["PLAN_DIR", "DemoPlan", "load_demo_plans", "plan_changes"]

PLAN_DIR = Path(settings.BASE_DIR) / "fixtures" / "demo" / "plans"
DIRECTOR_USERNAME = "director"
CHANNEL = "demo: seed 004"
SUBMIT_COMMENT = (
    "The council's Quarter 1 2008/09 monitoring (seed 004), recorded by the Director; submitted "
    "by the demo (the paper does not say who signed it off)."
)
APPROVE_COMMENT = "Approved by the demo (the paper says nothing of sign-off)."

#: The plan's key as the file words it → the rating stored (seed 004's key).
PROGRESS = {
    "Green": Rating.GREEN,
    "Amber": Rating.AMBER,
    "Red": Rating.RED,
    "Achieved": Rating.ACHIEVED,
}
NOT_YET_DUE = "not yet due"
NOT_APPLICABLE = "not applicable"


@dataclass
class DemoPlan:
    """What loading one monitoring file did."""

    filename: str
    period: str
    lines: int
    changed: int
    status: str
    note: str = ""

    def __str__(self) -> str:
        text = (
            f"{self.filename}: {self.period}, {self.lines} commitments, {self.changed} lines "
            f"changed; {self.status}"
        )
        return f"{text}. {self.note}" if self.note else text + "."


def _number(raw: Any, *, where: str) -> Decimal | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float | str):
        raise DemoDataError(f"{where}: {raw!r} is not a number.")
    return Decimal(str(raw))


def plan_changes(entry: dict[str, Any], *, where: str) -> dict[str, Any]:
    """The services.update_lines fields of one monitoring line: the progress page's own rule
    (returns.progress.progress_fields), and the line's source."""
    progress = str(entry.get("progress", "")).strip()
    source = str(entry.get("source", "")).strip()[:300]
    comment = str(entry.get("comment", "")).strip()
    if progress in PROGRESS and not comment:
        comment = f"The paper gives no comment on progress ({source})."
    choice = {
        NOT_YET_DUE: progress_choice.NOT_YET_DUE,
        NOT_APPLICABLE: progress_choice.NOT_APPLICABLE,
    }
    if progress in PROGRESS:
        chosen = PROGRESS[progress].value
    elif progress in choice:
        chosen = choice[progress]
    elif progress == "":
        chosen = ""
    else:
        raise DemoDataError(
            f"{where}: progress {progress!r} is not one of Green, Amber, Red, Achieved, "
            f"{NOT_YET_DUE!r}, {NOT_APPLICABLE!r} or blank."
        )
    try:
        fields = progress_choice.progress_fields(
            progress=chosen,
            comment=comment,
            value=_number(entry.get("value"), where=where),
            target_value=_number(entry.get("target_value"), where=where),
        )
    except progress_choice.ProgressProblem as problem:
        raise DemoDataError(f"{where}: {problem}") from problem
    return {**fields, "source": source}


class _Loader:
    def __init__(self) -> None:
        User = get_user_model()
        names = [demo.username for demo in DEMO_USERS]
        self.users = {user.username: user for user in User.objects.filter(username__in=names)}
        self.managers = {demo.sub_region_slug: demo.username for demo in DEMO_USERS}

    def user(self, username: str):
        if username not in self.users:
            raise ReferenceDataMissing(
                f"The demo user {username} does not exist: create the demo users first."
            )
        return self.users[username]

    def load(self, path: Path) -> DemoPlan:
        with path.open("rb") as handle:
            document = tomllib.load(handle)
        head = document.get("monitoring", {})
        target_set = TargetSet.objects.filter(slug=head.get("target_set", "")).first()
        council = Authority.objects.filter(slug=head.get("council", "")).first()
        if target_set is None or council is None:
            raise ReferenceDataMissing(
                f"{path.name}: load the reference data first (python manage.py "
                "load_reference_data): its target set or council is missing."
            )
        try:
            quarter = Quarter.parse(head.get("period", ""))
        except ValueError as error:
            raise DemoDataError(f"{path.name}: [monitoring] period: {error}") from error
        director = self.user(DIRECTOR_USERNAME)
        return_obj, _ = services.open_return(
            sub_region=council.sub_region, target_set=target_set, quarter=quarter, actor=director
        )
        entries = document.get("lines", [])
        outcome = DemoPlan(
            filename=path.name,
            period=quarter.label,
            lines=len(entries),
            changed=0,
            status=return_obj.status,
        )
        if not return_obj.is_editable:
            outcome.note = "already signed off: left as it is (rebuild the demo database to reload)"
            return outcome
        codes = {target.code: target.pk for target in Target.objects.filter(target_set=target_set)}
        changes = {}
        for number, entry in enumerate(entries, start=1):
            where = f"{path.name}, line #{number} ({entry.get('target', '?')})"
            if entry.get("target") not in codes:
                raise DemoDataError(f"{where}: no commitment with that code in {target_set.slug}.")
            changes[(council.pk, codes[entry["target"]])] = plan_changes(entry, where=where)
        try:
            result = services.update_lines(
                return_obj=return_obj, changes=changes, actor=director, channel=CHANNEL
            )
        except InvalidLines as error:
            problems = "\n".join(str(problem) for problem in error.problems)
            raise DemoDataError(f"{path.name}:\n{problems}") from error
        outcome.changed = len(result.changed)
        self.sign_off(return_obj, council, director)
        outcome.status = Return.objects.get(pk=return_obj.pk).status
        return outcome

    def sign_off(self, return_obj: Return, council: Authority, director) -> None:
        manager = self.user(self.managers[council.sub_region.slug])
        current = Return.objects.get(pk=return_obj.pk)
        if current.status in {ReturnStatus.DRAFT, ReturnStatus.RETURNED}:
            current = services.submit_return(
                return_obj=current, actor=manager, comment=SUBMIT_COMMENT
            )
        if current.status == ReturnStatus.SUBMITTED:
            services.approve_return(return_obj=current, actor=director, comment=APPROVE_COMMENT)


def load_demo_plans(*, directory: Path = PLAN_DIR) -> list[DemoPlan]:
    """Record every ``*.toml`` of ``directory`` (all or nothing), in file-name order; see the
    module's docstring. Raises ReferenceDataMissing when the plan or the demo users are not
    loaded yet, and DemoDataError naming the file and line for anything else."""
    if not settings.DEMO_DATA_ALLOWED:
        raise ImproperlyConfigured("Demo data is only loaded into a local demo database.")
    paths = sorted(Path(directory).glob("*.toml"))
    loader = _Loader()
    with transaction.atomic():
        return [loader.load(path) for path in paths]

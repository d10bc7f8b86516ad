"""Rate every line again with the engine as it is now, and rebuild the stored overall ratings.

Lines whose stored rating differs from the engine's (after an upgrade of the rating rules, or
a database restored from before one) are re-rated in one recorded step per target, as a rule
change is; the overall ratings are then recomputed from scratch. Idempotent: a second run
changes nothing and records nothing.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from returns import services
from returns.models import ReturnLine
from returns.overall import rebuild
from returns.rating import line_input
from returns.rerating import rerate_targets
from targets.models import Target, rating_rule
from targets.rating import computed_rating

REASON = "the stored rating no longer matched the rating rules (rebuild_ratings)"


class Command(BaseCommand):
    help = __doc__.splitlines()[0]

    def handle(self, *args, **options):
        with transaction.atomic():
            stale = [target for target in _targets() if _is_stale(target)]
            if stale:
                actor = services.system_actor()
                records = rerate_targets(targets=stale, actor=actor, reason=REASON, changes={})
                changed = sum(record.lines_changed for record in records)
                self.stdout.write(f"Re-rated {len(stale)} target(s): {changed} line(s) changed.")
            rows = rebuild()
        self.stdout.write(f"Rebuilt {rows} stored overall rating(s).")


def _targets():
    return Target.objects.select_related("measure").prefetch_related("measure__levels")


def _is_stale(target: Target) -> bool:
    """Whether any line of the target holds a rating the engine would not give it now."""
    rule = rating_rule(target)
    fields = ("status", "computed_rating", "effective_rating", "counted", "explanation")
    for line in ReturnLine.objects.filter(target=target).values(
        "actual", "target_value", "state", "manual_rating", "scope", *fields
    ):
        result = computed_rating(rule, line_input(line))
        fresh = (
            result.status.value if result.status else "",
            result.computed.value,
            result.effective.value,
            result.counted,
            result.explanation,
        )
        if fresh != tuple(line[name] for name in fields):
            return True
    return False

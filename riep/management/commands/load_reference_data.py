"""Load the reference data: authorities, measures and every target set, in one transaction."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from authorities.history import recorded_as
from authorities.reference import FixtureError, load_authorities
from returns import services
from returns.rerating import rerate_targets
from targets.models import Target
from targets.project_reference import load_projects
from targets.reference import load_measures, load_target_sets

# The known sets in the order they were written; any other file in target_sets/ follows them.
# Lineage is linked after all sets are written, so the order only decides the output's order.
KNOWN_TARGET_SETS = (
    "strategy-2008.toml",
    "stretch-targets.toml",
    "revision-2009.toml",
    "lcc-improvement-plan-2008-09.toml",
)
#: Why the reference data changed, in the history of every record a load writes.
LOAD_REASON = "load_reference_data (the fixtures)"


class Command(BaseCommand):
    help = (
        "Load the region's authorities, the measures and the target sets from TOML fixtures. "
        "Idempotent: a second run reports every record unchanged. A malformed fixture stops the "
        "load with the file, row and field at fault, and nothing is written."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--fixtures-dir",
            type=Path,
            default=Path(settings.BASE_DIR) / "fixtures",
            help=(
                "Directory holding authorities.toml, measures.toml, target_sets/*.toml and "
                "projects.toml (optional)."
            ),
        )

    def handle(self, *args, fixtures_dir: Path, **options) -> None:
        authorities_path = fixtures_dir / "authorities.toml"
        measures_path = fixtures_dir / "measures.toml"
        # The projects (seed 002, item 5) name targets, so they load after the target sets;
        # a fixtures directory without them (a test's) loads the rest.
        projects_path = fixtures_dir / "projects.toml"
        set_paths = self._target_set_paths(fixtures_dir / "target_sets")
        for path in (authorities_path, measures_path):
            if not path.is_file():
                raise CommandError(f"{path}: fixture not found")
        try:
            # One transaction for everything: targets need the measures, and a half-loaded
            # reference (authorities without their targets) must never be left behind.
            with transaction.atomic(), recorded_as(services.system_actor(), LOAD_REASON):
                summaries = [
                    load_authorities(path=authorities_path),
                    load_measures(path=measures_path),
                    *load_target_sets(paths=set_paths),
                ]
                if projects_path.is_file():
                    summaries.append(load_projects(path=projects_path))
                rerated = self._rerate(summaries)
        except FixtureError as error:
            raise CommandError(str(error)) from error
        for summary in summaries:
            self.stdout.write(str(summary))
        if rerated:
            self.stdout.write(rerated)

    @staticmethod
    def _rerate(summaries) -> str:
        """A fixture that changes a target's rule re-rates its lines, recorded like any rule
        change (returns.rerating), in the same transaction as the load."""
        codes = set().union(*(summary.rules_changed for summary in summaries))
        targets = list(Target.objects.filter(code__in=codes))
        if not targets:
            return ""
        records = rerate_targets(
            targets=targets,
            actor=services.system_actor(),
            reason="the reference data (fixtures) changed the rule",
            changes={"fixtures": ["", "reloaded"]},
        )
        changed = sum(record.lines_changed for record in records)
        return (
            f"Re-rated the lines of {len(records)} target(s) whose rule changed: {changed} changed."
        )

    @staticmethod
    def _target_set_paths(directory: Path) -> list[Path]:
        if not directory.is_dir():
            raise CommandError(f"{directory}: target set directory not found")
        found = {path.name: path for path in directory.glob("*.toml")}
        if not found:
            raise CommandError(f"{directory}: no target set fixtures (*.toml)")
        known = [found.pop(name) for name in KNOWN_TARGET_SETS if name in found]
        return known + [found[name] for name in sorted(found)]

"""Load the measures and the target sets (themes, targets, lineage) from TOML fixtures.

Business rules, besides those of every reference loader (authorities.reference: idempotent,
keyed by slug or code, validated, one transaction, nothing deleted):

- A target's `code` is its identity across all sets; its printed number is not (the
  Derbyshire return numbers NEET 10 where the others number it 11). A code may not move from one
  set to another.
- Lineage (`replaces`) may point at a target of any set, including one loaded later in the same
  run, so `load_target_sets` writes every set first and links lineage afterwards. A target never
  replaces one of its own set. Each link is a code (inferred: no paper states it; shown as
  "inferred") or a table `{ code = "...", stated = "the paper's words" }` (a paper states it) or
  `{ code = "...", inferred = "why" }`.
- `threshold_strict` says the threshold itself fails ("below 20 days"); `threshold_words` quotes
  the paper's words that set the pass mark; `threshold_reading` says how words that leave it
  open are read. `also_required` lists the further conditions of a compound rule.
- The loader reports which targets' rating fields changed (`LoadSummary.rules_changed`), so
  that whoever runs it re-rates their lines (riep's `load_reference_data` does).
- A threshold for an ordinal measure must be one of its levels, and a yes/no threshold is 1 or 0:
  a level that does not exist could never be rated.
- An LAA-scoped target is answered by each LAA's lead council, so it applies to county and
  unitary councils.
- An improvement plan (``kind = "improvement_plan"``, seed 004) names its council, and its
  commitments carry their printed reference, priority, officer, year targets and milestones
  (targets.plan_reference).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from simple_history.utils import bulk_create_with_history

from authorities.models import AuthorityKind
from authorities.reference import (
    LAA_LEAD_KINDS,
    UPDATED,
    LoadSummary,
    Row,
    check_top_level,
    read_fixture,
    upsert,
)

from .models import (
    MEASURE_RULE_FIELDS,
    TARGET_RULE_FIELDS,
    Measure,
    MeasureKind,
    MeasureLevel,
    Scope,
    Target,
    TargetLineage,
    TargetSet,
    Theme,
    also_required_problem,
)
from .plan_reference import (
    PLAN_SET_KEYS,
    PLAN_TARGET_KEYS,
    plan_set_values,
    plan_target_values,
    write_plan_parts,
)

_MEASURE_KEYS = ["slug", "name", "kind", "direction", "source"]
_MEASURE_OPTIONAL = [
    "unit",
    "tolerance_kind",
    "tolerance",
    "amber_margin",
    "description",
    "levels",
]
_TARGET_KEYS = [
    "number",
    "code",
    "theme",
    "priority",
    "title",
    "text",
    "scope",
    "measure",
    "rule",
    "source",
]
_TARGET_OPTIONAL = [
    "indicator",
    "deadline",
    "is_placeholder",
    "applies_to",
    "threshold",
    "required_share",
    "aggregate_amount",
    "baseline",
    "tolerance_kind",
    "tolerance",
    "amber_margin",
    "rule_notes",
    "replaces",
    "threshold_strict",
    "threshold_words",
    "threshold_reading",
    "also_required",
]
#: The fields of a target that decide its lines' ratings: a change re-rates them.
RATING_FIELDS = tuple("measure_id" if name == "measure" else name for name in TARGET_RULE_FIELDS)
MEASURE_RATING_FIELDS = MEASURE_RULE_FIELDS
_KIND_ORDER = {kind: index for index, kind in enumerate(AuthorityKind.values)}
_SCALED_KINDS = {MeasureKind.ORDINAL, MeasureKind.MILESTONE}
_DEFAULT_TOLERANCE_KIND = Measure._meta.get_field("tolerance_kind").get_default()
_DEFAULT_TOLERANCE = Measure._meta.get_field("tolerance").get_default()


@transaction.atomic
def load_measures(*, path: Path) -> LoadSummary:
    """Load the measures and their levels; levels are matched by their value within a measure.

    Omitted optional fields take the model's defaults (relative tolerance of 2%, the Lincolnshire
    return's), so the database always holds exactly what the fixture says.
    """
    document = read_fixture(path)
    check_top_level(document, path=path, required=["measures"])
    summary = LoadSummary(path.name)
    seen: set[str] = set()
    for row in Row.array(document, "measures", path=path, label="slug"):
        row.check_keys(required=_MEASURE_KEYS, optional=_MEASURE_OPTIONAL)
        slug = row.text("slug")
        if slug in seen:
            raise row.error("slug", f"{slug!r} appears twice in this file")
        seen.add(slug)
        tolerance = row.decimal("tolerance")
        before = _rating_values(Measure.objects.filter(slug=slug).first(), MEASURE_RATING_FIELDS)
        measure, outcome = upsert(
            Measure,
            lookup={"slug": slug},
            values={
                "name": row.text("name"),
                "kind": row.text("kind"),
                "direction": row.text("direction"),
                "unit": row.text("unit", default=""),
                "tolerance_kind": row.text("tolerance_kind", default=_DEFAULT_TOLERANCE_KIND),
                "tolerance": _DEFAULT_TOLERANCE if tolerance is None else tolerance,
                "amber_margin": row.decimal("amber_margin"),
                "description": row.text("description", default=""),
                "source": row.text("source"),
            },
            row=row,
        )
        summary.record("measures", slug, outcome)
        if before is not None and before != _rating_values(measure, MEASURE_RATING_FIELDS):
            summary.rules_changed.update(measure.targets.values_list("code", flat=True))
        _load_levels(row, measure, summary)
    return summary


def _rating_values(obj, fields: Sequence[str]) -> tuple | None:
    return None if obj is None else tuple(getattr(obj, name) for name in fields)


def _load_levels(row: Row, measure: Measure, summary: LoadSummary) -> None:
    level_rows = Row.array(row.data, "levels", path=row.path, label="label", within=row.where)
    if measure.kind == MeasureKind.ORDINAL and len(level_rows) < 2:
        raise row.error("levels", "an ordinal measure needs at least two labelled levels")
    if level_rows and measure.kind not in _SCALED_KINDS:
        raise row.error("levels", f"a {measure.kind} measure has no levels")
    values: set[int] = set()
    for level_row in level_rows:
        level_row.check_keys(required=["value", "label"])
        value = level_row.integer("value")
        if value in values:
            raise level_row.error("value", f"level {value} appears twice")
        values.add(value)
        _, outcome = upsert(
            MeasureLevel,
            lookup={"measure_id": measure.pk, "value": value},
            values={"label": level_row.text("label")},
            row=level_row,
        )
        summary.record("levels", (measure.slug, value), outcome)


@dataclass
class _SetPlan:
    """A target set written to the database, with the lineage still to link."""

    path: Path
    target_set: TargetSet
    summary: LoadSummary
    lineage: list[tuple[Row, Target, list[str]]] = field(default_factory=list)


@transaction.atomic
def load_target_set(*, path: Path) -> LoadSummary:
    """Load one target set; the targets its lineage names must already be loaded."""
    plan = _write_target_set(path)
    _link_lineage(plan)
    return plan.summary


@transaction.atomic
def load_target_sets(*, paths: Sequence[Path]) -> list[LoadSummary]:
    """Load several target sets, then link their lineage, so load order does not matter."""
    plans = [_write_target_set(path) for path in paths]
    for plan in plans:
        _link_lineage(plan)
    return [plan.summary for plan in plans]


def _write_target_set(path: Path) -> _SetPlan:
    document = read_fixture(path)
    check_top_level(document, path=path, required=["target_set", "themes", "targets"])
    summary = LoadSummary(path.name)

    set_row = Row.table(document, "target_set", path=path)
    set_row.check_keys(
        required=["slug", "title", "status", "source_paper"],
        optional=[
            "in_force_from",
            "in_force_to",
            "description",
            "order",
            "ranked_by_paper",
            *PLAN_SET_KEYS,
        ],
    )
    target_set, outcome = upsert(
        TargetSet,
        lookup={"slug": set_row.text("slug")},
        values={
            "title": set_row.text("title"),
            "status": set_row.text("status"),
            "in_force_from": set_row.date("in_force_from"),
            "in_force_to": set_row.date("in_force_to"),
            "source_paper": set_row.text("source_paper"),
            "description": set_row.text("description", default=""),
            "order": set_row.integer("order", default=0),
            "ranked_by_paper": set_row.boolean("ranked_by_paper"),
            **plan_set_values(set_row),
        },
        row=set_row,
    )
    summary.record("target sets", target_set.slug, outcome)
    plan = _SetPlan(path=path, target_set=target_set, summary=summary)

    themes: dict[str, Theme] = {}
    for row in Row.array(document, "themes", path=path, label="name"):
        row.check_keys(required=["name", "order"], optional=["source"])
        name = row.text("name")
        if name in themes:
            raise row.error("name", f"theme {name!r} appears twice in this file")
        theme, outcome = upsert(
            Theme,
            lookup={"target_set_id": target_set.pk, "name": name},
            values={"order": row.integer("order")},
            row=row,
        )
        themes[name] = theme
        summary.record("themes", (target_set.slug, name), outcome)

    measures = {measure.slug: measure for measure in Measure.objects.prefetch_related("levels")}
    codes: set[str] = set()
    numbers: set[str] = set()
    for row in Row.array(document, "targets", path=path, label="code"):
        row.check_keys(required=_TARGET_KEYS, optional=[*_TARGET_OPTIONAL, *PLAN_TARGET_KEYS])
        code = row.text("code")
        number = row.text("number")
        if code in codes:
            raise row.error("code", f"{code!r} appears twice in this file")
        if number in numbers:
            raise row.error("number", f"number {number!r} appears twice in this file")
        codes.add(code)
        numbers.add(number)
        target, outcome = _write_target(
            row,
            target_set=target_set,
            themes=themes,
            measures=measures,
            rules_changed=summary.rules_changed,
        )
        summary.record("targets", code, outcome)
        if target_set.is_plan:
            write_plan_parts(row, target, summary)
        plan.lineage.append((row, target, _links(row)))
    return plan


@dataclass(frozen=True)
class _Link:
    code: str
    stated: bool
    basis: str


def _links(row: Row) -> list[_Link]:
    """The `replaces` entries: a code (inferred, no basis given) or a table with `code` and
    either `stated` (the paper's words) or `inferred` (why)."""
    links = []
    for entry in row.data.get("replaces", []):
        if isinstance(entry, str):
            links.append(_Link(entry.strip(), stated=False, basis=""))
            continue
        if not isinstance(entry, dict) or not isinstance(entry.get("code"), str):
            raise row.error("replaces", f"expected a code or {{ code = ... }}, got {entry!r}")
        extra = set(entry) - {"code", "stated", "inferred"}
        if extra or ("stated" in entry) == ("inferred" in entry):
            raise row.error("replaces", f"{entry!r}: give `code` and one of `stated`, `inferred`")
        stated = "stated" in entry
        basis = entry["stated" if stated else "inferred"]
        if not isinstance(basis, str) or not basis.strip():
            raise row.error("replaces", f"{entry!r}: say what the link rests on")
        links.append(_Link(entry["code"].strip(), stated=stated, basis=basis.strip()))
    return links


def _write_target(
    row: Row,
    *,
    target_set: TargetSet,
    themes: dict[str, Theme],
    measures: dict[str, Measure],
    rules_changed: set[str],
) -> tuple[Target, str]:
    code = row.text("code")
    other = Target.objects.filter(code=code).exclude(target_set=target_set).first()
    if other is not None:
        raise row.error("code", f"{code!r} already belongs to target set {other.target_set.slug!r}")
    theme_name = row.text("theme")
    if theme_name not in themes:
        raise row.error("theme", f"unknown theme {theme_name!r} (not in this file's [[themes]])")
    measure_slug = row.text("measure")
    if measure_slug not in measures:
        raise row.error("measure", f"unknown measure {measure_slug!r} (load measures first)")
    measure = measures[measure_slug]
    applies_to = row.text_list("applies_to")
    unknown = sorted(set(applies_to) - set(_KIND_ORDER))
    if unknown:
        raise row.error("applies_to", f"unknown authority kinds {unknown}")
    # Stored in the model's order so that reordering the list in the fixture is not a change.
    applies_to = sorted(set(applies_to), key=_KIND_ORDER.__getitem__)
    scope = row.text("scope")
    if scope == Scope.LAA and set(applies_to) != set(LAA_LEAD_KINDS):
        raise row.error("applies_to", "an LAA target applies to its lead councils: county, unitary")
    threshold = row.decimal("threshold")
    _check_threshold(row, measure, threshold)
    also_required = row.data.get("also_required", [])
    problem = also_required_problem(also_required)
    if problem:
        raise row.error("also_required", problem)
    values: dict[str, Any] = {
        "target_set_id": target_set.pk,
        "theme_id": themes[theme_name].pk,
        "number": row.text("number"),
        "priority": row.integer("priority"),
        "title": row.text("title"),
        "text": row.text("text"),
        "indicator": row.text("indicator", default=""),
        "deadline": row.date("deadline"),
        "is_placeholder": row.boolean("is_placeholder"),
        "scope": scope,
        "applies_to": applies_to,
        "measure_id": measure.pk,
        "rule": row.text("rule"),
        "threshold": threshold,
        "required_share": row.decimal("required_share"),
        "aggregate_amount": row.decimal("aggregate_amount"),
        "baseline": row.decimal("baseline"),
        "tolerance_kind": row.text("tolerance_kind", default=""),
        "tolerance": row.decimal("tolerance"),
        "amber_margin": row.decimal("amber_margin"),
        "rule_notes": row.text("rule_notes", default=""),
        "threshold_strict": row.boolean("threshold_strict"),
        "threshold_words": row.text("threshold_words", default=""),
        "threshold_reading": row.text("threshold_reading", default=""),
        "also_required": [_plain_condition(condition) for condition in also_required],
        "source": row.text("source"),
        **plan_target_values(row, is_plan=target_set.is_plan),
    }
    before = _rating_values(Target.objects.filter(code=code).first(), RATING_FIELDS)
    target, outcome = upsert(Target, lookup={"code": code}, values=values, row=row)
    if before is not None and before != _rating_values(target, RATING_FIELDS):
        rules_changed.add(code)
    return target, outcome


def _plain_condition(condition: dict) -> dict:
    """A condition as JSON stores it (numbers as strings keep them exact)."""
    return {
        key: (str(item) if isinstance(item, int | float) and not isinstance(item, bool) else item)
        for key, item in condition.items()
    }


def _check_threshold(row: Row, measure: Measure, threshold: Any) -> None:
    if threshold is None:
        return
    if measure.kind == MeasureKind.ORDINAL:
        levels = sorted(level.value for level in measure.levels.all())
        if threshold not in levels:
            raise row.error("threshold", f"{threshold} is not a level of {measure.slug} {levels}")
    if measure.kind == MeasureKind.YES_NO and threshold not in (0, 1):
        raise row.error("threshold", "a yes/no threshold is 1 (yes) or 0 (no)")


def _link_lineage(plan: _SetPlan) -> None:
    wanted = {link.code for _, _, links in plan.lineage for link in links}
    known = {t.code: t for t in Target.objects.filter(code__in=wanted)}
    for row, target, links in plan.lineage:
        replaced: dict[int, tuple[bool, str]] = {}
        for link in links:
            earlier = known.get(link.code)
            if earlier is None:
                raise row.error("replaces", f"no target with code {link.code!r}")
            if earlier.target_set_id == target.target_set_id:
                raise row.error("replaces", f"{link.code!r} is in the same target set")
            replaced[earlier.pk] = (link.stated, link.basis)
        current = {
            link.earlier_id: (link.stated, link.basis)
            for link in TargetLineage.objects.filter(later=target)
        }
        if current != replaced:
            # Deleted one by one (signals: history) and created with their history records.
            TargetLineage.objects.filter(later=target).delete()
            bulk_create_with_history(
                [
                    TargetLineage(later=target, earlier_id=pk, stated=stated, basis=basis)
                    for pk, (stated, basis) in replaced.items()
                ],
                TargetLineage,
            )
            plan.summary.record("targets", target.code, UPDATED)

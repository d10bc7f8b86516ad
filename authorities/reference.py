"""Load the region's reference data (region, SRPs, LAA areas, authorities, aliases) from TOML.

Business rules of every reference-data loader (targets.reference builds on these helpers):

- The fixture is the reference. Rows are matched by their stable key (slug, code, or the
  normalised alias within its sub-region); a row that matches and differs updates the record,
  a row that matches and agrees leaves it alone, so loading the same file twice changes nothing.
- Nothing is deleted: a record missing from the fixture may hold returns or an administrator's
  work, so retiring it is an administrative decision, not a side effect of a load.
- Every record is validated (`full_clean()`) before it is saved, and a load runs in one
  transaction: a malformed row raises `FixtureError`, naming the file, the row and the field,
  and nothing of that load is written.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction

from .models import Authority, AuthorityAlias, AuthorityKind, LAAArea, Region, SubRegion
from .names import normalise_name

CREATED = "created"
UPDATED = "updated"
UNCHANGED = "unchanged"
_RANK = {UNCHANGED: 0, UPDATED: 1, CREATED: 2}

M = TypeVar("M", bound=models.Model)
T = TypeVar("T")

# An LAA is one county or unitary area, answered for by that council.
LAA_LEAD_KINDS = (AuthorityKind.COUNTY, AuthorityKind.UNITARY)


class FixtureError(Exception):
    """A fixture row cannot be loaded; the message names the file, the row and the field."""

    def __init__(self, *, path: Path, row: str, field: str, message: str) -> None:
        self.path = path
        self.row = row
        self.field = field
        self.message = message
        super().__init__(f"{path.name}: {row}: field '{field}': {message}")


@dataclass
class LoadSummary:
    """What one load did to each record: created, updated or unchanged, counted per kind.

    A record touched twice in one load (an LAA area created, then given its lead council) counts
    once, under the stronger of the two outcomes.
    """

    source: str
    _outcomes: dict[str, dict[object, str]] = field(default_factory=dict)
    #: Codes of the targets whose rating fields this load changed: their lines need re-rating.
    rules_changed: set[str] = field(default_factory=set)

    def record(self, kind: str, key: object, outcome: str) -> None:
        seen = self._outcomes.setdefault(kind, {})
        previous = seen.get(key)
        if previous is None or _RANK[outcome] > _RANK[previous]:
            seen[key] = outcome

    def count(self, outcome: str, *, kind: str | None = None) -> int:
        kinds = [kind] if kind is not None else list(self._outcomes)
        return sum(
            1 for k in kinds for value in self._outcomes.get(k, {}).values() if value == outcome
        )

    @property
    def created(self) -> int:
        return self.count(CREATED)

    @property
    def updated(self) -> int:
        return self.count(UPDATED)

    @property
    def unchanged(self) -> int:
        return self.count(UNCHANGED)

    @property
    def total(self) -> int:
        return sum(len(seen) for seen in self._outcomes.values())

    def totals_by_kind(self) -> dict[str, int]:
        return {kind: len(seen) for kind, seen in self._outcomes.items()}

    def __str__(self) -> str:
        kinds = ", ".join(f"{n} {kind}" for kind, n in self.totals_by_kind().items())
        return (
            f"{self.source}: {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged ({kinds})"
        )


def read_fixture(path: Path) -> dict[str, Any]:
    """Parse a TOML fixture; decimals stay exact (a threshold of 95.5 must not become a float)."""
    try:
        with path.open("rb") as stream:
            return tomllib.load(stream, parse_float=Decimal)
    except FileNotFoundError as error:
        raise FixtureError(path=path, row="(file)", field="-", message="not found") from error
    except tomllib.TOMLDecodeError as error:
        raise FixtureError(path=path, row="(file)", field="-", message=f"not TOML: {error}") from (
            error
        )


class Row:
    """One table of a fixture, read field by field with errors that point back at it."""

    def __init__(self, data: Any, *, path: Path, where: str) -> None:
        self.path = path
        self.where = where
        if not isinstance(data, Mapping):
            raise FixtureError(path=path, row=where, field="-", message="expected a table")
        self.data = data

    @classmethod
    def table(cls, document: Mapping[str, Any], key: str, *, path: Path) -> Row:
        if key not in document:
            raise FixtureError(path=path, row=f"[{key}]", field=key, message="missing table")
        return cls(document[key], path=path, where=f"[{key}]")

    @classmethod
    def array(
        cls, document: Mapping[str, Any], key: str, *, path: Path, label: str, within: str = ""
    ) -> list[Row]:
        """The rows of an array of tables, each named "table #n (label 'value')" for errors."""
        items = document.get(key, [])
        prefix = f"{within} > " if within else ""
        if not isinstance(items, list):
            raise FixtureError(
                path=path, row=f"{prefix}[[{key}]]", field=key, message="expected [[tables]]"
            )
        rows = []
        for index, item in enumerate(items, start=1):
            name = item.get(label) if isinstance(item, Mapping) else None
            where = f"{prefix}{key} #{index}" + (f" ({label} {name!r})" if name else "")
            rows.append(cls(item, path=path, where=where))
        return rows

    def error(self, field: str, message: str) -> FixtureError:
        return FixtureError(path=self.path, row=self.where, field=field, message=message)

    def check_keys(self, *, required: Iterable[str], optional: Iterable[str] = ()) -> None:
        required = set(required)
        allowed = required | set(optional)
        for key in self.data:
            if key not in allowed:
                raise self.error(key, f"unknown field (expected one of {sorted(allowed)})")
        for key in sorted(required):
            if key not in self.data:
                raise self.error(key, "missing")

    def has(self, key: str) -> bool:
        return key in self.data

    def text(self, key: str, *, default: str | None = None) -> str:
        if key not in self.data:
            if default is None:
                raise self.error(key, "missing")
            return default
        value = self.data[key]
        if not isinstance(value, str):
            raise self.error(key, f"expected a string, got {value!r}")
        return value.strip()

    def integer(self, key: str, *, default: int | None = None) -> int:
        if key not in self.data:
            if default is None:
                raise self.error(key, "missing")
            return default
        value = self.data[key]
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, f"expected a whole number, got {value!r}")
        return value

    def decimal(self, key: str) -> Decimal | None:
        """An optional number, kept exact; absent means "not set"."""
        if key not in self.data:
            return None
        value = self.data[key]
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            raise self.error(key, f"expected a number, got {value!r}")
        return Decimal(value)

    def date(self, key: str) -> date | None:
        if key not in self.data:
            return None
        value = self.data[key]
        if isinstance(value, datetime) or not isinstance(value, date):
            raise self.error(key, f"expected a date such as 2011-03-31, got {value!r}")
        return value

    def boolean(self, key: str, *, default: bool = False) -> bool:
        value = self.data.get(key, default)
        if not isinstance(value, bool):
            raise self.error(key, f"expected true or false, got {value!r}")
        return value

    def text_list(self, key: str) -> list[str]:
        value = self.data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.error(key, f"expected a list of strings, got {value!r}")
        return [item.strip() for item in value]


def check_top_level(
    document: Mapping[str, Any],
    *,
    path: Path,
    required: Iterable[str],
    optional: Iterable[str] = (),
) -> None:
    Row(document, path=path, where="(top level)").check_keys(required=required, optional=optional)


def save_validated(obj: models.Model, row: Row, *, fields: Mapping[str, str] | None = None) -> None:
    """Validate and save, turning a validation error into a FixtureError on the row's field.

    `fields` maps model field names to the fixture's keys where they differ.
    """
    fields = fields or {}
    try:
        obj.full_clean()
    except ValidationError as error:
        messages = {
            "(row)" if name == NON_FIELD_ERRORS else fields.get(name, name): " ".join(texts)
            for name, texts in error.message_dict.items()
        }
        key, first = next(iter(messages.items()))
        others = [f"{name}: {text}" for name, text in messages.items() if name != key]
        raise row.error(key, "; ".join([first, *others])) from error
    obj.save()


def upsert(
    model: type[M],
    *,
    lookup: Mapping[str, Any],
    values: Mapping[str, Any],
    row: Row,
    fields: Mapping[str, str] | None = None,
) -> tuple[M, str]:
    """Create or update the record matched by `lookup` so that it holds `values`.

    `values` use attribute names (`sub_region_id`, not `sub_region`) so that comparing them
    costs no query. Returns the record and whether it was created, updated or unchanged.
    """
    obj = model._default_manager.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        save_validated(obj, row, fields=fields)
        return obj, CREATED
    changed = False
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
            changed = True
    if not changed:
        return obj, UNCHANGED
    save_validated(obj, row, fields=fields)
    return obj, UPDATED


@transaction.atomic
def load_authorities(*, path: Path) -> LoadSummary:
    """Load the region, its SRPs, LAA areas, authorities and aliases from `path`.

    An LAA area and its lead council refer to each other, so LAA areas are written first
    without their lead and given it once the authorities exist. An authority's GSS code is
    only ever set, never cleared, by a load: the papers give none, and a code an administrator
    entered must survive the next load.
    """
    document = read_fixture(path)
    check_top_level(
        document, path=path, required=["region", "sub_regions", "laa_areas", "authorities"]
    )
    summary = LoadSummary(path.name)

    region_row = Row.table(document, "region", path=path)
    region_row.check_keys(required=["slug", "name"], optional=["source"])
    region, outcome = upsert(
        Region,
        lookup={"slug": region_row.text("slug")},
        values={"name": region_row.text("name")},
        row=region_row,
    )
    summary.record("regions", region.slug, outcome)

    sub_regions: dict[str, SubRegion] = {}
    for row in Row.array(document, "sub_regions", path=path, label="slug"):
        row.check_keys(required=["slug", "name", "order"], optional=["source"])
        _check_new(sub_regions, row.text("slug"), row, "slug")
        sub_region, outcome = upsert(
            SubRegion,
            lookup={"slug": row.text("slug")},
            values={
                "region_id": region.pk,
                "name": row.text("name"),
                "order": row.integer("order"),
            },
            row=row,
        )
        sub_regions[sub_region.slug] = sub_region
        summary.record("sub-regions", sub_region.slug, outcome)

    laa_rows = Row.array(document, "laa_areas", path=path, label="slug")
    laa_areas: dict[str, LAAArea] = {}
    for row in laa_rows:
        row.check_keys(
            required=["slug", "name", "sub_region", "lead_authority"], optional=["source"]
        )
        _check_new(laa_areas, row.text("slug"), row, "slug")
        laa_area, outcome = upsert(
            LAAArea,
            lookup={"slug": row.text("slug")},
            values={
                "sub_region_id": _pick(sub_regions, row, "sub_region").pk,
                "name": row.text("name"),
            },
            row=row,
        )
        laa_areas[laa_area.slug] = laa_area
        summary.record("LAA areas", laa_area.slug, outcome)

    authorities: dict[str, Authority] = {}
    alias_rows: list[tuple[Row, Authority]] = []
    for row in Row.array(document, "authorities", path=path, label="slug"):
        row.check_keys(
            required=["slug", "name", "short_name", "kind", "sub_region", "source"],
            optional=["laa_area", "gss_code", "aliases"],
        )
        _check_new(authorities, row.text("slug"), row, "slug")
        laa_slug = row.text("laa_area", default="")
        values: dict[str, Any] = {
            "name": row.text("name"),
            "short_name": row.text("short_name"),
            "kind": row.text("kind"),
            "sub_region_id": _pick(sub_regions, row, "sub_region").pk,
            "laa_area_id": _pick(laa_areas, row, "laa_area").pk if laa_slug else None,
            "source": row.text("source"),
        }
        gss_code = row.text("gss_code", default="")
        if gss_code:
            values["gss_code"] = gss_code
        authority, outcome = upsert(
            Authority, lookup={"slug": row.text("slug")}, values=values, row=row
        )
        authorities[authority.slug] = authority
        summary.record("authorities", authority.slug, outcome)
        alias_rows.extend(
            (alias_row, authority)
            for alias_row in Row.array(
                row.data, "aliases", path=path, label="alias", within=row.where
            )
        )

    for row in laa_rows:
        laa_area = laa_areas[row.text("slug")]
        lead = _pick(authorities, row, "lead_authority")
        if lead.kind not in LAA_LEAD_KINDS:
            raise row.error("lead_authority", f"{lead.slug!r} is not a county or unitary council")
        if lead.laa_area_id != laa_area.pk:
            raise row.error("lead_authority", f"{lead.slug!r} does not belong to this LAA area")
        if laa_area.lead_authority_id != lead.pk:
            laa_area.lead_authority = lead
            save_validated(laa_area, row)
            summary.record("LAA areas", laa_area.slug, UPDATED)

    _load_aliases(alias_rows, sub_regions=sub_regions, summary=summary)
    return summary


def _load_aliases(
    rows: list[tuple[Row, Authority]], *, sub_regions: dict[str, SubRegion], summary: LoadSummary
) -> None:
    """Write the aliases, refusing ones the resolver would match anyway or would misread.

    An alias equal (once normalised) to its own authority's name, short name or slug is
    redundant; one equal to another authority's would make that name ambiguous.
    """
    own_keys: dict[str, int] = {}
    for authority in Authority.objects.all():
        for key in (authority.name, authority.short_name, authority.slug, authority.gss_code):
            if key:
                own_keys.setdefault(normalise_name(key), authority.pk)
    for row, authority in rows:
        row.check_keys(required=["alias", "source"], optional=["sub_region"])
        alias = row.text("alias")
        normalised = normalise_name(alias)
        holder = own_keys.get(normalised)
        if holder == authority.pk:
            raise row.error("alias", f"{alias!r} is already this authority's name or short name")
        if holder is not None:
            raise row.error("alias", f"{alias!r} is another authority's name or short name")
        scope = _pick(sub_regions, row, "sub_region") if row.has("sub_region") else None
        if scope is not None and scope.pk != authority.sub_region_id:
            raise row.error("sub_region", "an alias is scoped to its own authority's sub-region")
        _, outcome = upsert(
            AuthorityAlias,
            lookup={"normalised": normalised, "sub_region_id": scope.pk if scope else None},
            values={"authority_id": authority.pk, "alias": alias},
            row=row,
            fields={"authority": "alias", "normalised": "alias"},
        )
        summary.record("aliases", (normalised, scope.slug if scope else None), outcome)


def _pick(known: Mapping[str, T], row: Row, key: str) -> T:
    slug = row.text(key)
    if slug not in known:
        raise row.error(key, f"unknown {key.replace('_', ' ')} {slug!r}")
    return known[slug]


def _check_new(seen: Mapping[str, object], key: str, row: Row, field: str) -> None:
    if key in seen:
        raise row.error(field, f"{key!r} appears twice in this file")

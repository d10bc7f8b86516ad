"""Load the projects (targets.projects) from ``fixtures/projects.toml``.

Business rules, besides those of every reference loader (authorities.reference: idempotent,
keyed by slug, validated, one transaction, nothing deleted):

- A project's SRP is a sub-region's slug (none: the partnership's own, regional project); its
  authorities are authorities' slugs, each "lead" or "partner", once per project; the targets
  it serves are target codes (any set), each with the paper's words naming it.
- Amounts are in pounds. A project has an amount approved only once approved (or completed,
  or withdrawn after approval), and an approved project says who approved it and when.
- Every link cites its paper, as every project does.
"""

from __future__ import annotations

from pathlib import Path

from django.db import transaction

from authorities.models import Authority, SubRegion
from authorities.reference import LoadSummary, Row, check_top_level, read_fixture, upsert

from .models import Target
from .projects import AuthorityRole, Project, ProjectAuthority, ProjectTarget

__all__ = ["load_projects"]

_REQUIRED = ["slug", "title", "kind", "status", "source"]
_OPTIONAL = [
    "sub_region",
    "amount_bid",
    "amount_approved",
    "decision",
    "decided_on",
    "description",
    "benefits",
    "other_partners",
    "notes",
    "order",
    "authorities",
    "targets",
]


@transaction.atomic
def load_projects(*, path: Path) -> LoadSummary:
    """Load every project of the fixture with its authorities and targets (see the module)."""
    document = read_fixture(path)
    check_top_level(document, path=path, required=["projects"])
    summary = LoadSummary(path.name)
    sub_regions = dict(SubRegion.objects.values_list("slug", "pk"))
    authorities = dict(Authority.objects.values_list("slug", "pk"))
    codes = dict(Target.objects.values_list("code", "pk"))
    seen: set[str] = set()
    for row in Row.array(document, "projects", path=path, label="slug"):
        row.check_keys(required=_REQUIRED, optional=_OPTIONAL)
        slug = row.text("slug")
        if slug in seen:
            raise row.error("slug", f"{slug!r} appears twice in this file")
        seen.add(slug)
        sub_region_id = None
        if row.has("sub_region"):
            sub_region_id = sub_regions.get(row.text("sub_region"))
            if sub_region_id is None:
                raise row.error("sub_region", f"no sub-region {row.text('sub_region')!r}")
        project, outcome = upsert(
            Project,
            lookup={"slug": slug},
            values={
                "title": row.text("title"),
                "kind": row.text("kind"),
                "sub_region_id": sub_region_id,
                "status": row.text("status"),
                "amount_bid": row.decimal("amount_bid"),
                "amount_approved": row.decimal("amount_approved"),
                "decision": row.text("decision", default=""),
                "decided_on": row.date("decided_on"),
                "description": row.text("description", default=""),
                "benefits": row.text("benefits", default=""),
                "other_partners": row.text("other_partners", default=""),
                "notes": row.text("notes", default=""),
                "source": row.text("source"),
                "order": row.integer("order", default=0),
            },
            row=row,
        )
        summary.record("projects", slug, outcome)
        _load_authorities(row, project, authorities, summary)
        _load_targets(row, project, codes, summary)
    return summary


def _load_authorities(
    row: Row, project: Project, authorities: dict[str, int], summary: LoadSummary
) -> None:
    seen: set[str] = set()
    for link in Row.array(
        row.data, "authorities", path=row.path, label="authority", within=row.where
    ):
        link.check_keys(required=["authority", "role", "source"])
        slug = link.text("authority")
        if slug not in authorities:
            raise link.error("authority", f"no authority {slug!r}")
        if slug in seen:
            raise link.error("authority", f"{slug!r} appears twice in this project")
        seen.add(slug)
        role = link.text("role")
        if role not in AuthorityRole.values:
            raise link.error("role", f"expected one of {AuthorityRole.values}, got {role!r}")
        _, outcome = upsert(
            ProjectAuthority,
            lookup={"project_id": project.pk, "authority_id": authorities[slug]},
            values={"role": role, "source": link.text("source")},
            row=link,
        )
        summary.record("project authorities", (project.slug, slug), outcome)


def _load_targets(row: Row, project: Project, codes: dict[str, int], summary: LoadSummary) -> None:
    seen: set[str] = set()
    for link in Row.array(row.data, "targets", path=row.path, label="target", within=row.where):
        link.check_keys(required=["target", "words", "source"])
        code = link.text("target")
        if code not in codes:
            raise link.error("target", f"no target with code {code!r} (load the target sets first)")
        if code in seen:
            raise link.error("target", f"{code!r} appears twice in this project")
        seen.add(code)
        _, outcome = upsert(
            ProjectTarget,
            lookup={"project_id": project.pk, "target_id": codes[code]},
            values={"words": link.text("words"), "source": link.text("source")},
            row=link,
        )
        summary.record("project targets", (project.slug, code), outcome)

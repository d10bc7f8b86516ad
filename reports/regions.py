"""The meetings, Board papers and projects a user may see: the region half of the one
visibility rule (authorities.scope.regions_of) applied to the reports' own models.

A meeting is its region's Board's; its agenda items, papers, builds and issued papers follow
it. A project is its bidding sub-region's region's, or (a regional project, no sub-region) the
region of the targets it serves or of its authorities.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, QuerySet

from authorities.roles import region_id_of
from authorities.scope import regions_of
from targets.models import ProjectAuthority, ProjectTarget

from .models import Meeting

__all__ = ["meetings_of", "papers_of", "projects_of", "region_for_new_meeting"]


def meetings_of(user, queryset: QuerySet | None = None) -> QuerySet:
    """The meetings of the user's region (every region's for a national user)."""
    queryset = Meeting.objects.all() if queryset is None else queryset
    return regions_of(user).filter(queryset, "region_id")


def papers_of(user, queryset: QuerySet, meeting: str = "agenda_item__meeting") -> QuerySet:
    """``queryset`` (papers, builds, issued papers…) narrowed to the user's region's meetings;
    ``meeting`` is the lookup from the queryset's model to its meeting."""
    return regions_of(user).filter(queryset, f"{meeting}__region_id")


def projects_of(user, queryset: QuerySet) -> QuerySet:
    """The projects of the user's region: bid by one of its sub-regions, or serving one of
    its targets, or with one of its authorities."""
    regions = regions_of(user)
    if regions.everything:
        return queryset
    serves = ProjectTarget.objects.filter(
        regions.condition("target__target_set__region_id"), project=OuterRef("pk")
    )
    takes_part = ProjectAuthority.objects.filter(
        regions.condition("authority__sub_region__region_id"), project=OuterRef("pk")
    )
    return queryset.filter(
        regions.condition("sub_region__region_id") | Exists(serves) | Exists(takes_part)
    )


def region_for_new_meeting(actor) -> int:
    """The region whose Board a new meeting is: the Director's own. A user bound to no region
    (a national user) cannot tell which Board meets, so is refused with a clear message."""
    region_id = region_id_of(actor)
    if region_id is None:
        raise ValidationError(
            "You are bound to no region, so it is not known whose Board meets: a meeting is "
            "added by its region's Director."
        )
    return region_id

"""The region, its sub-regional partnerships, local area agreements and authorities."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from .names import normalise_name, partnership_name


class Region(models.Model):
    """An English region with its Regional Improvement and Efficiency Partnership (RIEP)."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100, unique=True)
    # Every change of the reference data kept with its old and new values (issue 12).
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        permissions = [
            # A national user: sees every region side by side (returns.access.scope_of).
            ("view_all_regions", "Can see every region (a national user)"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def partnership(self) -> str:
        return partnership_name(self.name)


class SubRegion(models.Model):
    """A Sub-Regional Partnership (SRP): the unit that sends a quarterly return."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="sub_regions")
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    order = models.PositiveSmallIntegerField(default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["region", "order", "name"]
        verbose_name = "sub-regional partnership"
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="unique_sub_region_name"),
        ]

    def __str__(self) -> str:
        return self.name


class LAAArea(models.Model):
    """A Local Area Agreement area: one per county and per unitary council.

    Targets about LAAs ("All 9 LAAs achieving at least 75% of their targets") are reported
    against the LAA's lead council, the county or unitary council of the area.
    """

    sub_region = models.ForeignKey(SubRegion, on_delete=models.PROTECT, related_name="laa_areas")
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100, unique=True)
    lead_authority = models.OneToOneField(
        "Authority",
        on_delete=models.PROTECT,
        related_name="led_laa",
        null=True,
        blank=True,
        help_text="The county or unitary council that answers for this LAA.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["sub_region", "name"]
        verbose_name = "LAA area"

    def __str__(self) -> str:
        return self.name


class AuthorityKind(models.TextChoices):
    COUNTY = "county", "County council"
    UNITARY = "unitary", "Unitary council"
    DISTRICT = "district", "District council"
    NATIONAL_PARK = "national_park", "National park authority"
    FIRE_RESCUE = "fire_rescue", "Fire and rescue authority"


class AuthorityQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)

    def for_listing(self):
        return self.select_related("sub_region", "laa_area")


class Authority(models.Model):
    """A local authority or fire and rescue authority of the region."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=150, unique=True)
    short_name = models.CharField(max_length=80)
    kind = models.CharField(max_length=20, choices=AuthorityKind.choices)
    sub_region = models.ForeignKey(SubRegion, on_delete=models.PROTECT, related_name="authorities")
    laa_area = models.ForeignKey(
        LAAArea,
        on_delete=models.PROTECT,
        related_name="authorities",
        null=True,
        blank=True,
        verbose_name="LAA area",
    )
    gss_code = models.CharField(
        "ONS GSS code",
        max_length=9,
        blank=True,
        help_text="Nine-character ONS Government Statistical Service code, e.g. E07000032.",
    )
    active = models.BooleanField(default=True)
    source = models.CharField(max_length=200, blank=True, help_text="Paper and table cited.")

    objects = AuthorityQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["sub_region__order", "kind", "name"]
        verbose_name_plural = "authorities"
        constraints = [
            models.UniqueConstraint(
                fields=["gss_code"], condition=~Q(gss_code=""), name="unique_gss_code"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.gss_code and (len(self.gss_code) != 9 or not self.gss_code[0].isalpha()):
            raise ValidationError({"gss_code": "A GSS code is a letter and eight digits."})
        if (
            self.laa_area_id
            and self.sub_region_id
            and self.laa_area.sub_region_id != self.sub_region_id
        ):
            raise ValidationError({"laa_area": "The LAA area belongs to another sub-region."})


class AuthorityAlias(models.Model):
    """Another name for an authority as written in a return ("Derbyshire CC", "North East DDC").

    An alias may be scoped to one sub-region: "Fire Service" means Derbyshire Fire and Rescue
    only in the Derbyshire return.
    """

    authority = models.ForeignKey(Authority, on_delete=models.CASCADE, related_name="aliases")
    alias = models.CharField(max_length=150)
    normalised = models.CharField(max_length=150, editable=False)
    sub_region = models.ForeignKey(
        SubRegion,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="aliases",
        help_text="Only within this sub-region's returns; empty for everywhere.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["alias"]
        verbose_name_plural = "authority aliases"
        constraints = [
            models.UniqueConstraint(
                fields=["normalised", "sub_region"], name="unique_alias_per_sub_region"
            ),
            models.UniqueConstraint(
                fields=["normalised"],
                condition=Q(sub_region__isnull=True),
                name="unique_global_alias",
            ),
        ]

    def __str__(self) -> str:
        return self.alias

    def clean(self) -> None:
        self.normalised = normalise_name(self.alias)


class Membership(models.Model):
    """Binds a programme manager to the one sub-region whose returns they keep."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership"
    )
    sub_region = models.ForeignKey(SubRegion, on_delete=models.PROTECT, related_name="members")
    # Who was bound to which sub-region, and when that changed (role membership).
    history = HistoricalRecords()

    class Meta:
        ordering = ["sub_region", "user__username"]

    def __str__(self) -> str:
        return f"{self.user} - {self.sub_region}"


class RegionMembership(models.Model):
    """Binds a Board member, the Director or an administrator to the region they serve.

    A programme manager's region is their sub-region's (``Membership``); everyone else sees a
    region only through this binding, or every region with ``authorities.view_all_regions``
    (a national user). Without either, a user sees no region at all (returns.access).
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="region_membership"
    )
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="members")
    history = HistoricalRecords()

    class Meta:
        ordering = ["region", "user__username"]

    def __str__(self) -> str:
        return f"{self.user} - {self.region}"

import django_filters

from authorities.models import SubRegion
from authorities.scope import regions_of
from targets.models import TargetSet

from .access import scope_of
from .forms import parse_quarter_key, quarter_key
from .models import Return, ReturnStatus
from .periods import Quarter


class ReturnFilter(django_filters.FilterSet):
    """Filters of the returns list; applied to the returns the user may see (for_user)."""

    target_set = django_filters.ModelChoiceFilter(
        queryset=TargetSet.objects.all(), label="Target set", empty_label="All target sets"
    )
    quarter = django_filters.ChoiceFilter(
        label="Quarter", empty_label="All quarters", method="filter_quarter", choices=()
    )
    sub_region = django_filters.ModelChoiceFilter(
        queryset=SubRegion.objects.all(), label="Sub-region", empty_label="All sub-regions"
    )
    status = django_filters.ChoiceFilter(
        choices=ReturnStatus.choices, label="Status", empty_label="Any status"
    )

    class Meta:
        model = Return
        fields = ["target_set", "quarter", "sub_region", "status"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = getattr(self.request, "user", None)
        visible = Return.objects.for_user(user) if user is not None else Return.objects.none()
        # The quarters that have returns the user may see, newest first (one small query).
        periods = visible.order_by("-year", "-quarter").values_list("year", "quarter").distinct()
        self.filters["quarter"].extra["choices"] = [
            (quarter_key(period), period.label)
            for period in (Quarter(year, quarter) for year, quarter in periods)
        ]
        # The choices are the user's region's sets and visible sub-regions (the one rule).
        regions = regions_of(user)
        self.filters["target_set"].queryset = regions.filter(TargetSet.objects.all())
        sub_regions = scope_of(user).filter(SubRegion.objects.all(), "pk")
        self.filters["sub_region"].queryset = sub_regions

    def filter_quarter(self, queryset, name, value):
        quarter = parse_quarter_key(value)
        return queryset.for_quarter(quarter)

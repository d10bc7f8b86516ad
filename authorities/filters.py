import django_filters
from django.db.models import Q

from .models import Authority, AuthorityKind, SubRegion
from .scope import regions_of


class AuthorityFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Name", method="search")
    sub_region = django_filters.ModelChoiceFilter(
        queryset=SubRegion.objects.all(), label="Sub-region", empty_label="All sub-regions"
    )
    kind = django_filters.ChoiceFilter(
        choices=AuthorityKind.choices, label="Kind", empty_label="All kinds"
    )

    class Meta:
        model = Authority
        fields = ["q", "sub_region", "kind"]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the sub-regions of the user's region are offered (and accepted).
        self.filters["sub_region"].queryset = regions_of(user).filter(SubRegion.objects.all())

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(name__icontains=value) | Q(short_name__icontains=value) | Q(gss_code__iexact=value)
        )

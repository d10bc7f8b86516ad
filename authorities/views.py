from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from .filters import AuthorityFilter
from .models import Authority
from .scope import regions_of
from .tables import AuthorityTable


class AuthorityListView(LoginRequiredMixin, PermissionRequiredMixin, SingleTableMixin, FilterView):
    permission_required = "authorities.view_authority"
    model = Authority
    table_class = AuthorityTable
    filterset_class = AuthorityFilter
    template_name = "authorities/authority_list.html"
    paginate_by = 60

    def get_queryset(self):
        # The authorities of the user's region (or every region's for a national user).
        return regions_of(self.request.user).filter(
            Authority.objects.for_listing(), "sub_region__region_id"
        )

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs["user"] = self.request.user
        return kwargs

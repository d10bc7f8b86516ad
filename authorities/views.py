from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from .filters import AuthorityFilter
from .models import Authority
from .tables import AuthorityTable


class AuthorityListView(LoginRequiredMixin, PermissionRequiredMixin, SingleTableMixin, FilterView):
    permission_required = "authorities.view_authority"
    model = Authority
    table_class = AuthorityTable
    filterset_class = AuthorityFilter
    template_name = "authorities/authority_list.html"
    paginate_by = 60

    def get_queryset(self):
        return Authority.objects.for_listing()

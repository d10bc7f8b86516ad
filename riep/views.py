from django.contrib.auth.mixins import LoginRequiredMixin
from django.views.generic import TemplateView

from authorities.models import Authority, SubRegion
from authorities.roles import sub_region_of
from targets.models import TargetSet


class HomeView(LoginRequiredMixin, TemplateView):
    template_name = "home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sub_regions"] = SubRegion.objects.all()
        context["authority_count"] = Authority.objects.active().count()
        context["target_sets"] = TargetSet.objects.all()
        context["my_sub_region"] = sub_region_of(self.request.user)
        return context

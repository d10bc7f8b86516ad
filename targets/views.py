from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.db.models import Count, Prefetch
from django.views.generic import DetailView, ListView

from authorities.scope import regions_of

from .models import Target, TargetSet, Theme, rule_facts


class TargetSetListView(LoginRequiredMixin, PermissionRequiredMixin, ListView):
    permission_required = "targets.view_targetset"
    template_name = "targets/targetset_list.html"
    context_object_name = "target_sets"

    def get_queryset(self):
        # The user's region's sets only (authorities.scope: the one rule's region half).
        return (
            regions_of(self.request.user)
            .filter(TargetSet.objects.all())
            .annotate(
                target_count=Count("targets", distinct=True),
                theme_count=Count("themes", distinct=True),
            )
        )


class TargetSetDetailView(LoginRequiredMixin, PermissionRequiredMixin, DetailView):
    """Themes in order, each with its targets in priority order, their rule and lineage."""

    permission_required = "targets.view_targetset"
    template_name = "targets/targetset_detail.html"
    context_object_name = "target_set"

    def get_queryset(self):
        targets = Target.objects.for_set_page()
        themes = Theme.objects.order_by("order").prefetch_related(
            Prefetch("targets", queryset=targets, to_attr="ordered_targets")
        )
        # Another region's set is a 404.
        return (
            regions_of(self.request.user)
            .filter(TargetSet.objects.all())
            .prefetch_related(Prefetch("themes", queryset=themes, to_attr="ordered_themes"))
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        for theme in self.object.ordered_themes:
            for target in theme.ordered_targets:
                target.facts = rule_facts(target)
        return context

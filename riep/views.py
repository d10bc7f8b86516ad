"""The home page: what each role has to do or read next, then the region at a glance.

* A programme manager: this quarter's return of each target set (status, lines with a value,
  deadline and days left, the Director's comment when returned) and the next step
  (returns.work).
* The Director: the returns awaiting sign-off (the longest waiting first, with their age), the
  returns overdue, and the papers in draft for the next meeting (reports.home).
* A Board member: the latest issued paper and the headline of the latest approved quarter,
  with links to both (reports.home).
Everyone sees their unread notices and the region's target sets and sub-regions.
"""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.utils import timezone
from django.views.generic import TemplateView

from authorities.models import Authority, Region, SubRegion
from authorities.roles import BOARD_MEMBER, roles_of, sub_region_of
from authorities.scope import regions_of
from reports.home import board_home, draft_papers
from returns.forms import quarter_key
from returns.models import Notification
from returns.work import awaiting_sign_off, overdue_work, programme_manager_work
from targets.models import TargetSet


class HomeView(LoginRequiredMixin, TemplateView):
    template_name = "home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        today = timezone.localdate()
        regions = regions_of(user)  # the user's region only (a national user: every region)
        context["regions"] = list(regions.filter(Region.objects.all(), "pk"))
        context["sub_regions"] = regions.filter(SubRegion.objects.all())
        context["authority_count"] = regions.filter(
            Authority.objects.active(), "sub_region__region_id"
        ).count()
        context["target_sets"] = regions.filter(TargetSet.objects.all())
        my_sub_region = sub_region_of(user)
        context["my_sub_region"] = my_sub_region
        context["unread_notices"] = Notification.objects.filter(
            recipient=user, read_at__isnull=True
        ).count()
        if my_sub_region is not None and user.has_perm("returns.submit_return"):
            work = programme_manager_work(my_sub_region, today=today)
            for item in work:
                item.start_key = quarter_key(item.quarter)
            context["own_returns"] = work
            context["is_programme_manager"] = True
        if user.has_perm("returns.approve_return"):
            context["is_director"] = True
            context["awaiting"] = awaiting_sign_off(user=user)
            context["overdue"] = overdue_work(user=user, today=today)
            context["draft_papers"] = draft_papers(user=user, today=today)
        if BOARD_MEMBER in roles_of(user):
            context["board"] = board_home(user)
        context["today"] = today
        return context

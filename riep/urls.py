from django.contrib import admin
from django.urls import include, path

from . import audit_views, health, views

admin.site.site_header = "East Midlands RIEP administration"
admin.site.site_title = "RIEP administration"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("authorities/", include("authorities.urls")),
    path("target-sets/", include("targets.urls")),
    path("returns/", include("returns.urls")),
    path("rules/", include("returns.rule_urls")),
    path("papers/", include("reports.paper_urls")),
    path("dashboards/", include("reports.urls")),
    path("projects/", include("reports.project_urls")),
    path("api/v1/", include("riep.api.urls")),
    # Before the admin's own addresses; signed in through the admin, staff only.
    path("admin/changes/", admin.site.admin_view(audit_views.changes), name="audit-changes"),
    path("admin/", admin.site.urls),
]

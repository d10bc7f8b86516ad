from django.urls import path
from drf_spectacular.views import SpectacularJSONAPIView

from . import dashboards, returns, views

urlpatterns = [
    # JSON, as the name says (SpectacularAPIView would answer YAML by default).
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="openapi"),
    path("authorities/", views.AuthorityList.as_view(), name="api-authorities"),
    path("target-sets/", views.TargetSetList.as_view(), name="api-target-sets"),
    path("target-sets/<slug:slug>/targets/", views.TargetList.as_view(), name="api-targets"),
    # Returns and ratings (riep/api/returns.py).
    path("returns/", returns.ReturnListCreate.as_view(), name="api-returns"),
    path("returns/<int:pk>/", returns.ReturnDetail.as_view(), name="api-return"),
    path("returns/<int:pk>/lines/", returns.ReturnLinesUpdate.as_view(), name="api-return-lines"),
    path("returns/<int:pk>/submit/", returns.ReturnSubmit.as_view(), name="api-return-submit"),
    path("ratings/", returns.RatingsView.as_view(), name="api-ratings"),
    # Dashboards (riep/api/dashboards.py).
    path("dashboards/overview/", dashboards.OverviewAPI.as_view(), name="api-dashboard-overview"),
    path("dashboards/compare/", dashboards.CompareAPI.as_view(), name="api-dashboard-compare"),
    path(
        "dashboards/sub-regions/<slug:slug>/",
        dashboards.SubRegionAPI.as_view(),
        name="api-dashboard-sub-region",
    ),
    path(
        "dashboards/targets/<slug:code>/",
        dashboards.TargetAPI.as_view(),
        name="api-dashboard-target",
    ),
    path(
        "dashboards/authorities/<slug:slug>/",
        dashboards.AuthorityAPI.as_view(),
        name="api-dashboard-authority",
    ),
]

from django.urls import path, re_path, register_converter

from . import dashboards, document, returns, views
from .parameters import IdConverter

register_converter(IdConverter, "id")

urlpatterns = [
    path("openapi.json", document.OpenAPIDocument.as_view(), name="openapi"),
    path("authorities/", views.AuthorityList.as_view(), name="api-authorities"),
    path("target-sets/", views.TargetSetList.as_view(), name="api-target-sets"),
    path("target-sets/<slug:slug>/targets/", views.TargetList.as_view(), name="api-targets"),
    # Returns and ratings (riep/api/returns.py).
    path("returns/", returns.ReturnListCreate.as_view(), name="api-returns"),
    path("returns/<id:pk>/", returns.ReturnDetail.as_view(), name="api-return"),
    path("returns/<id:pk>/lines/", returns.ReturnLinesUpdate.as_view(), name="api-return-lines"),
    path("returns/<id:pk>/submit/", returns.ReturnSubmit.as_view(), name="api-return-submit"),
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
    # Last: every other address under /api/v1/ is a 404 in JSON.
    re_path(r"^", document.not_found, name="api-not-found"),
]

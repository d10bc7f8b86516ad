"""The dashboards, mounted at /dashboards/ (namespace "reports")."""

from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.OverviewView.as_view(), name="overview"),
    path("compare/", views.CompareView.as_view(), name="compare"),
    path("regions/", views.RegionsView.as_view(), name="regions"),
    path("sub-regions/<slug:slug>/", views.SubRegionView.as_view(), name="sub-region"),
    path("targets/<slug:code>/", views.TargetView.as_view(), name="target"),
    path("authorities/<slug:slug>/", views.AuthorityView.as_view(), name="authority"),
]

from django.urls import path
from drf_spectacular.views import SpectacularJSONAPIView

from . import views

urlpatterns = [
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="openapi"),
    path("authorities/", views.AuthorityList.as_view(), name="api-authorities"),
    path("target-sets/", views.TargetSetList.as_view(), name="api-target-sets"),
    path("target-sets/<slug:slug>/targets/", views.TargetList.as_view(), name="api-targets"),
]

from django.urls import path
from drf_spectacular.views import SpectacularJSONAPIView

from . import returns, views

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
]

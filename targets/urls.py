from django.urls import path

from . import views

app_name = "targets"
urlpatterns = [
    path("", views.TargetSetListView.as_view(), name="set-list"),
    path("<slug:slug>/", views.TargetSetDetailView.as_view(), name="set-detail"),
]

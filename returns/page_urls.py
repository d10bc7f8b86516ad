from django.urls import path

from . import grid_views, progress_views, signoff_views, views

urlpatterns = [
    path("", views.ReturnListView.as_view(), name="list"),
    path("<int:pk>/", signoff_views.ReturnDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.ReturnEditView.as_view(), name="edit"),
    path("<int:pk>/lines/<int:line_pk>/", views.LineView.as_view(), name="line"),
    path(
        "<int:pk>/lines/<int:line_pk>/panel/",
        grid_views.LinePanelView.as_view(),
        name="line-panel",
    ),
    path("<int:pk>/rate-preview/", grid_views.RatePreviewView.as_view(), name="rate-preview"),
    path("<int:pk>/copy-forward/", views.CopyForwardView.as_view(), name="copy-forward"),
    path("<int:pk>/own-ratings/", views.ReportedRatingsView.as_view(), name="reported"),
    path("<int:pk>/submit/", signoff_views.TransitionView.as_view(action="submit"), name="submit"),
    path(
        "<int:pk>/approve/",
        signoff_views.TransitionView.as_view(action="approve"),
        name="approve",
    ),
    path(
        "<int:pk>/send-back/",
        signoff_views.TransitionView.as_view(action="send-back"),
        name="send-back",
    ),
    path("<int:pk>/reopen/", signoff_views.TransitionView.as_view(action="reopen"), name="reopen"),
    # Improvement plans (seed 004): the plans and their quarters, and a quarter's progress.
    path("plans/", progress_views.PlanListView.as_view(), name="plans"),
    path("<int:pk>/progress/", progress_views.PlanProgressView.as_view(), name="progress"),
]

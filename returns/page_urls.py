from django.urls import path

from . import progress_views, views

urlpatterns = [
    path("", views.ReturnListView.as_view(), name="list"),
    path("<int:pk>/", views.ReturnDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.ReturnEditView.as_view(), name="edit"),
    path("<int:pk>/lines/<int:line_pk>/", views.LineView.as_view(), name="line"),
    path("<int:pk>/copy-forward/", views.CopyForwardView.as_view(), name="copy-forward"),
    path("<int:pk>/own-ratings/", views.ReportedRatingsView.as_view(), name="reported"),
    path("<int:pk>/submit/", views.TransitionView.as_view(action="submit"), name="submit"),
    path("<int:pk>/approve/", views.TransitionView.as_view(action="approve"), name="approve"),
    path("<int:pk>/send-back/", views.TransitionView.as_view(action="send-back"), name="send-back"),
    path("<int:pk>/reopen/", views.TransitionView.as_view(action="reopen"), name="reopen"),
    # Improvement plans (seed 004): the plans and their quarters, and a quarter's progress.
    path("plans/", progress_views.PlanListView.as_view(), name="plans"),
    path("<int:pk>/progress/", progress_views.PlanProgressView.as_view(), name="progress"),
]

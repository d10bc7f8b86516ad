from django.urls import path

from . import work_views

urlpatterns = [
    path("deadlines/", work_views.DeadlineListView.as_view(), name="deadlines"),
    path(
        "deadlines/<int:deadline_pk>/delete/",
        work_views.DeadlineDeleteView.as_view(),
        name="deadline-delete",
    ),
    path("notices/", work_views.NoticeListView.as_view(), name="notices"),
    path("notices/settings/", work_views.NoticeSettingsView.as_view(), name="notice-settings"),
]

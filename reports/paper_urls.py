"""Board papers: /papers/ (namespace "papers"); see reports/paper_views.py and
reports/build_views.py."""

from django.urls import path

from . import build_views, meeting_views
from . import paper_views as views
from .models import BuildKind

app_name = "papers"
urlpatterns = [
    path("", views.index, name="index"),
    path("meetings/new/", views.MeetingCreateView.as_view(), name="meeting-new"),
    path("meetings/<int:pk>/", meeting_views.MeetingView.as_view(), name="meeting"),
    path(
        "meetings/<int:pk>/actions-log.pdf",
        meeting_views.ActionsLogPdfView.as_view(),
        name="actions-log",
    ),
    path(
        "meetings/<int:pk>/decisions/",
        meeting_views.DecisionCreateView.as_view(),
        name="decision-new",
    ),
    path("meetings/<int:pk>/actions/", meeting_views.ActionCreateView.as_view(), name="action-new"),
    path("actions/<int:pk>/done/", meeting_views.ActionDoneView.as_view(), name="action-done"),
    path("actions/<int:pk>/carry/", meeting_views.ActionCarryView.as_view(), name="action-carry"),
    path("meetings/<int:pk>/edit/", views.MeetingEditView.as_view(), name="meeting-edit"),
    path("items/<int:item_pk>/paper/new/", views.PaperCreateView.as_view(), name="paper-new"),
    path(
        "items/<int:item_pk>/report/new/",
        views.PaperCreateView.as_view(narrative=True),
        name="report-new",
    ),
    path("<int:pk>/", views.PaperView.as_view(), name="paper"),
    path("<int:pk>/edit/", views.PaperEditView.as_view(), name="paper-edit"),
    path("<int:pk>/sections/", views.SectionsView.as_view(), name="sections"),
    path("<int:pk>/preview/", views.PreviewView.as_view(), name="preview"),
    path("<int:pk>/pdf/", build_views.StartBuildView.as_view(kind=BuildKind.PDF), name="pdf"),
    path("<int:pk>/board-data.xlsx", views.DraftDataView.as_view(fmt="xlsx"), name="xlsx"),
    path("<int:pk>/board-data.csv", views.DraftDataView.as_view(fmt="csv"), name="csv"),
    path("<int:pk>/issue/", build_views.IssueView.as_view(), name="issue"),
    path("builds/<int:pk>/", build_views.BuildView.as_view(), name="build"),
    path("builds/<int:pk>/status.json", build_views.BuildStatusView.as_view(), name="build-status"),
    path(
        "builds/<int:pk>/download/", build_views.BuildDownloadView.as_view(), name="build-download"
    ),
    path("issued/<int:pk>/", build_views.IssuedView.as_view(), name="issued"),
    path("issued/<int:pk>/paper/", build_views.IssuedPaperHtmlView.as_view(), name="issued-html"),
    path("issued/<int:pk>/paper.pdf", build_views.IssuedPdfView.as_view(), name="issued-pdf"),
    path(
        "issued/<int:pk>/board-data.xlsx",
        build_views.IssuedDataView.as_view(fmt="xlsx"),
        name="issued-xlsx",
    ),
    path(
        "issued/<int:pk>/board-data.csv",
        build_views.IssuedDataView.as_view(fmt="csv"),
        name="issued-csv",
    ),
]

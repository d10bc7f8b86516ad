"""The projects' pages, mounted at /projects/ (namespace "projects")."""

from django.urls import path

from . import projects

app_name = "projects"
urlpatterns = [
    path("", projects.ProjectListView.as_view(), name="list"),
    path("<slug:slug>/", projects.ProjectDetailView.as_view(), name="detail"),
]

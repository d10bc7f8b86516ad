from django.urls import path

from . import io_views

urlpatterns = [
    path("import/", io_views.ImportView.as_view(), name="import"),
    path("export/", io_views.ExportView.as_view(), name="export"),
]

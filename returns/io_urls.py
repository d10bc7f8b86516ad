from django.urls import path

from . import io_views

urlpatterns = [
    path("import/", io_views.ImportView.as_view(), name="import"),
    path("import/<int:pk>/", io_views.UploadView.as_view(), name="upload"),
    path("import/<int:pk>/status/", io_views.UploadStatusView.as_view(), name="upload-status"),
    path("import/<int:pk>/apply/", io_views.ApplyUploadView.as_view(), name="upload-apply"),
    path("import/<int:pk>/check/", io_views.CheckUploadView.as_view(), name="upload-check"),
    path("export/", io_views.ExportView.as_view(), name="export"),
]

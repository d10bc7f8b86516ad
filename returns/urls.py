from django.urls import include, path

app_name = "returns"
urlpatterns = [
    # Deadlines and notices (returns/work_views.py), before "<int:pk>/" pages.
    path("", include("returns.work_urls")),
    # Entry, sign-off and history pages (returns/views.py, signoff_views.py, grid_views.py).
    path("", include("returns.page_urls")),
    # Import and export (returns/io_views.py).
    path("", include("returns.io_urls")),
]

from django.urls import include, path

app_name = "returns"
urlpatterns = [
    # Entry, sign-off and history pages (returns/views.py).
    path("", include("returns.page_urls")),
    # Import and export (returns/io_views.py).
    path("", include("returns.io_urls")),
]

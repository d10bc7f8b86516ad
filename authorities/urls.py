from django.urls import path

from . import views

app_name = "authorities"
urlpatterns = [
    path("", views.AuthorityListView.as_view(), name="list"),
]

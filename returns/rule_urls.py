from django.urls import path

from . import rule_views

app_name = "rules"
urlpatterns = [
    path("targets/<int:pk>/", rule_views.TargetRuleView.as_view(), name="target"),
    path("measures/<int:pk>/", rule_views.MeasureRuleView.as_view(), name="measure"),
]

"""The audit page's URLs."""

from django.urls import path

from audit import views

app_name = "audit"
urlpatterns = [
    path("", views.trail_view, name="trail"),
    path("trail.csv", views.trail_csv, name="trail_csv"),
]

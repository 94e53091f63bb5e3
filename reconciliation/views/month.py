"""Views of reconciliation: month (filled in by issue 9)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []

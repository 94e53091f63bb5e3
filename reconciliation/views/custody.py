"""Views of reconciliation: custody (filled in by issue 9)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []

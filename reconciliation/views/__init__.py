"""Reconciliation's pages, one module per concern; each module keeps its own `urlpatterns`."""

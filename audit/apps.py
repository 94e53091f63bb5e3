"""The audit trail: history of changes (django-pghistory triggers) and a log of who looked."""

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit trail"

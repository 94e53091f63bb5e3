"""The audit trail: history of changes (django-pghistory triggers) and a log of who looked."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "Audit trail"

    def ready(self) -> None:
        from audit import speed

        # After every migrate (and test flush): pgtrigger rewrites its slow helper whenever a
        # migration installs a trigger (audit/speed.py).
        post_migrate.connect(speed.install, sender=self, dispatch_uid="audit.speed.install")

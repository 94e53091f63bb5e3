from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_roles(sender, **kwargs) -> None:
    from django.apps import apps as global_apps

    from cashiering.roles import roles_sync

    # `migrate` passes its app registry; `flush` (as in transactional tests) passes none.
    roles_sync(apps=kwargs.get("apps") or global_apps)


class CashieringConfig(AppConfig):
    name = "cashiering"
    verbose_name = "Cashiering"

    def ready(self) -> None:
        # After every migrate (and every test-database flush) the groups match ROLE_PERMISSIONS.
        post_migrate.connect(_sync_roles, sender=self, dispatch_uid="cashiering.roles_sync")
        # Every admin page refuses card numbers and reads money and dates strictly, also one a
        # later app registers without deriving from GuardedAdminMixin (the admin autodiscovers
        # before this app is ready: it comes first in INSTALLED_APPS).
        from django.contrib import admin

        from ledger.admin_guard import guard_admin_site

        guard_admin_site(admin.site)

"""`manage.py pgtrigger`: django-pgtrigger's own command (ls, install, uninstall, enable,
disable, prune), after which the history triggers' fast helpers are written again.

pgtrigger writes its slow `_pgtrigger_should_ignore` with every trigger it installs, and no
post_migrate follows this command (audit/speed.py says why the helpers matter). This app comes
before pgtrigger in INSTALLED_APPS, so this command is the one `manage.py pgtrigger` runs."""

from django.db import DEFAULT_DB_ALIAS
from pgtrigger.management.commands.pgtrigger import Command as PgtriggerCommand


class Command(PgtriggerCommand):
    def handle(self, *args, **options):
        result = super().handle(*args, **options)
        from audit import speed  # audit sits above cashiering: imported when run, not at load

        speed.install(options.get("database") or DEFAULT_DB_ALIAS)
        return result

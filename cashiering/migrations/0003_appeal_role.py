from django.db import migrations

from cashiering.roles import roles_sync


class Migration(migrations.Migration):
    dependencies = [("cashiering", "0002_billing_roles"), ("billing", "0008_ticket_appeal")]

    operations = [migrations.RunPython(roles_sync, migrations.RunPython.noop)]

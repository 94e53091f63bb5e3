from django.db import migrations

from cashiering.roles import roles_sync


class Migration(migrations.Migration):
    dependencies = [("cashiering", "0004_payment_roles"), ("reconciliation", "0001_initial")]

    operations = [migrations.RunPython(roles_sync, migrations.RunPython.noop)]

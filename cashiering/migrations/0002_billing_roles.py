from django.db import migrations

from cashiering.roles import roles_sync


class Migration(migrations.Migration):
    dependencies = [("cashiering", "0001_roles"), ("billing", "0003_charge_types")]

    operations = [migrations.RunPython(roles_sync, migrations.RunPython.noop)]

from django.db import migrations

from cashiering.roles import roles_sync


class Migration(migrations.Migration):
    dependencies = [("cashiering", "0003_appeal_role"), ("payments", "0002_drawer_fk")]

    operations = [migrations.RunPython(roles_sync, migrations.RunPython.noop)]

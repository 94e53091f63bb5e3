from django.db import migrations

from cashiering.roles import roles_sync


class Migration(migrations.Migration):
    dependencies = [
        ("cashiering", "0005_reconciliation_roles"),
        ("otp_totp", "0003_add_timestamps"),
    ]

    operations = [migrations.RunPython(roles_sync, migrations.RunPython.noop)]

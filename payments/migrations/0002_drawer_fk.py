from pathlib import Path

from django.db import migrations

HERE = Path(__file__).resolve().parent


def policies_seed(apps, schema_editor):
    """The counter's default payment policies; Admins change them in the admin site."""
    from payments.services import DEFAULT_POLICIES

    policy = apps.get_model("payments", "PaymentPolicy")
    for applies_to, options in DEFAULT_POLICIES.items():
        policy.objects.get_or_create(applies_to=applies_to, defaults=options)


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial"), ("ledger", "0002_invariants")]

    operations = [
        migrations.RunSQL(
            (HERE / "0002_drawer_fk.sql").read_text(),
            reverse_sql=(HERE / "0002_drawer_fk_reverse.sql").read_text(),
        ),
        migrations.RunPython(policies_seed, migrations.RunPython.noop),
    ]

from pathlib import Path

from django.db import migrations

HERE = Path(__file__).resolve().parent


class Migration(migrations.Migration):
    """Billing's reference tables move the reference data version (ledger 0031) on any change:
    what the posting reads on every call is cached per process (ledger.reference)."""

    dependencies = [
        ("billing", "0056_lien_certificate_plan_notes"),
        ("ledger", "0031_reference_version"),
    ]

    operations = [
        migrations.RunSQL(
            (HERE / "0057_reference_version_triggers.sql").read_text(),
            reverse_sql=(HERE / "0057_reference_version_triggers_reverse.sql").read_text(),
        ),
    ]

from pathlib import Path

from django.db import migrations

HERE = Path(__file__).resolve().parent


class Migration(migrations.Migration):
    """The payment policies move the reference data version (ledger 0031) on any change."""

    dependencies = [
        ("payments", "0029_remittance_rules"),
        ("ledger", "0031_reference_version"),
    ]

    operations = [
        migrations.RunSQL(
            (HERE / "0030_reference_version_triggers.sql").read_text(),
            reverse_sql=(HERE / "0030_reference_version_triggers_reverse.sql").read_text(),
        ),
    ]

"""The frozen-history trigger function works on tables without an entry_id column."""

from pathlib import Path

from django.db import migrations

HERE = Path(__file__).resolve().parent


class Migration(migrations.Migration):
    dependencies = [("reconciliation", "0001_initial")]

    operations = [
        migrations.RunSQL(
            (HERE / "0020_frozen_entry_fix.sql").read_text(),
            reverse_sql=(HERE / "0020_frozen_entry_fix_reverse.sql").read_text(),
        )
    ]

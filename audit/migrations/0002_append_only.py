"""Append-only history: triggers refusing UPDATE, DELETE and TRUNCATE on every event table, the
request contexts and the access log (0002_append_only.sql). A migration that adds an event
model later installs them on its table with SELECT audit_append_only_install('<table>');
tests/audit/test_append_only.py fails for any event table without them."""

from pathlib import Path

from django.db import migrations

HERE = Path(__file__).resolve().parent


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
        ("billing", "0058_history"),
        ("ledger", "0032_history"),
        ("payments", "0034_history"),
        ("pghistory", "0007_auto_20250421_0444"),
    ]

    operations = [
        migrations.RunSQL(
            (HERE / "0002_append_only.sql").read_text(),
            reverse_sql=(HERE / "0002_append_only_reverse.sql").read_text(),
        ),
    ]

from pathlib import Path

from django.db import migrations

HERE = Path(__file__).resolve().parent


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [
        migrations.RunSQL(
            (HERE / "0002_invariants.sql").read_text(),
            reverse_sql=(HERE / "0002_invariants_reverse.sql").read_text(),
        )
    ]

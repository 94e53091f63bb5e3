from pathlib import Path

from django.db import migrations

HERE = Path(__file__).resolve().parent


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial"), ("ledger", "0002_invariants")]

    operations = [
        migrations.RunSQL(
            (HERE / "0002_bill_balance_invariant.sql").read_text(),
            reverse_sql=(HERE / "0002_bill_balance_invariant_reverse.sql").read_text(),
        )
    ]

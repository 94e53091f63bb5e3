from pathlib import Path

from django.db import migrations

HERE = Path(__file__).resolve().parent


class Migration(migrations.Migration):
    dependencies = [("ledger", "0004_line_bill_index")]

    operations = [
        migrations.RunSQL(
            (HERE / "0005_balance_per_transaction.sql").read_text(),
            reverse_sql=(HERE / "0005_balance_per_transaction_reverse.sql").read_text(),
        )
    ]

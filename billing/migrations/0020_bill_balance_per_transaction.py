from pathlib import Path

from django.db import migrations

HERE = Path(__file__).resolve().parent


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0014_penalty_assessments"),
        ("ledger", "0005_balance_per_transaction"),
    ]

    operations = [
        migrations.RunSQL(
            (HERE / "0020_bill_balance_per_transaction.sql").read_text(),
            reverse_sql=(HERE / "0020_bill_balance_per_transaction_reverse.sql").read_text(),
        )
    ]

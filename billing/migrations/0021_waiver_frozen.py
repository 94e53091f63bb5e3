from pathlib import Path

from django.db import migrations

HERE = Path(__file__).resolve().parent


class Migration(migrations.Migration):
    dependencies = [("billing", "0020_bill_balance_per_transaction")]

    operations = [
        migrations.RunSQL(
            (HERE / "0021_waiver_frozen.sql").read_text(),
            reverse_sql=(HERE / "0021_waiver_frozen_reverse.sql").read_text(),
        )
    ]

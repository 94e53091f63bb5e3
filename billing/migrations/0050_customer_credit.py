from pathlib import Path

from django.db import migrations

HERE = Path(__file__).resolve().parent


class Migration(migrations.Migration):
    dependencies = [("billing", "0021_waiver_frozen"), ("ledger", "0020_line_customer")]

    operations = [
        migrations.RunSQL(
            (HERE / "0050_customer_credit.sql").read_text(),
            reverse_sql=(HERE / "0050_customer_credit_reverse.sql").read_text(),
        )
    ]

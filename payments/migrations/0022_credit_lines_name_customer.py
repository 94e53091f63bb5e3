from pathlib import Path

from django.db import migrations

HERE = Path(__file__).resolve().parent


class Migration(migrations.Migration):
    dependencies = [("payments", "0021_credit_refund"), ("billing", "0050_customer_credit")]

    operations = [
        migrations.RunSQL(
            (HERE / "0022_credit_lines_name_customer.sql").read_text(),
            reverse_sql=migrations.RunSQL.noop,
        )
    ]

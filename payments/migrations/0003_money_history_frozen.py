from pathlib import Path

from django.db import migrations

HERE = Path(__file__).resolve().parent


class Migration(migrations.Migration):
    dependencies = [("payments", "0010_returned_checks_refunds_dual_control")]

    operations = [
        migrations.RunSQL(
            (HERE / "0003_money_history_frozen.sql").read_text(),
            reverse_sql=(HERE / "0003_money_history_frozen_reverse.sql").read_text(),
        )
    ]

from pathlib import Path

from django.db import migrations

HERE = Path(__file__).resolve().parent


class Migration(migrations.Migration):
    dependencies = [("billing", "0006_customer_name_words")]

    operations = [
        migrations.RunSQL(
            (HERE / "0007_name_words_trigger.sql").read_text(),
            reverse_sql=(HERE / "0007_name_words_trigger_reverse.sql").read_text(),
        )
    ]

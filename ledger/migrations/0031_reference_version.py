from pathlib import Path

from django.db import migrations, models

HERE = Path(__file__).resolve().parent


class Migration(migrations.Migration):
    dependencies = [("ledger", "0030_line_office")]

    operations = [
        migrations.CreateModel(
            name="ReferenceVersion",
            fields=[
                (
                    "id",
                    models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False),
                ),
                ("version", models.BigIntegerField()),
            ],
            options={
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("id", 1)), name="reference_version_one_row"
                    )
                ],
            },
        ),
        # The sequence, the bump function, and its trigger on the chart of accounts; billing
        # 0057 and payments 0030 put the same trigger on their reference tables.
        migrations.RunSQL(
            (HERE / "0031_reference_version.sql").read_text(),
            reverse_sql=(HERE / "0031_reference_version_reverse.sql").read_text(),
        ),
    ]

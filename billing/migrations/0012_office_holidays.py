"""The office calendar: legal holidays and closures, seeded with New York State and federal
legal holidays from the `holidays` package."""

import datetime

from django.db import migrations, models

from billing.business_days import SEEDED_YEARS, legal_holidays


def legal_holidays_seed(apps, schema_editor):
    holiday = apps.get_model("billing", "Holiday")
    holiday.objects.bulk_create(
        [holiday(date=day, name=name, kind="legal") for day, name in legal_holidays(SEEDED_YEARS)],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [("billing", "0011_feetype_counted_as_stock")]

    operations = [
        migrations.CreateModel(
            name="Holiday",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("date", models.DateField(unique=True)),
                ("name", models.CharField(max_length=100)),
                (
                    "kind",
                    models.CharField(
                        choices=[("legal", "Legal holiday"), ("closure", "Office closure")],
                        default="closure",
                        max_length=10,
                    ),
                ),
            ],
            options={
                "verbose_name": "holiday or office closure",
                "verbose_name_plural": "holidays and office closures",
                "ordering": ["date"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            ("date__gte", datetime.date(2000, 1, 1)),
                            ("date__lte", datetime.date(2099, 12, 31)),
                        ),
                        name="holiday_date_computable",
                        violation_error_message=(
                            "The office calendar holds dates from January 1, 2000 to "
                            "December 31, 2099."
                        ),
                    )
                ],
            },
        ),
        migrations.RunPython(legal_holidays_seed, migrations.RunPython.noop),
    ]

"""A fee type's revenue account must be a revenue account, held by two triggers (the .sql file
beside this one); the stock a fee type counts in a drawer gets its own name ("Parking permit
cards", not "Permit card fee"); a price of zero or less is refused with a sentence; the import
batches are "import batches" in the administration site."""

from pathlib import Path

from django.db import migrations, models

HERE = Path(__file__).resolve().parent

# The demo city's stock, named as the clerk counts it. Other fee types counted as stock keep
# an empty stock name, which shows the fee's name until an Admin gives one.
STOCK_NAMES = {
    "tag_single": "Trash tags (single)",
    "tag_sheet": "Trash tag sheets (6 tags)",
    "yard_sheet": "Yard-waste tag sheets (6 tags)",
    "permit_card": "Parking permit cards",
}


def name_the_stock(apps, schema_editor):
    fee_type = apps.get_model("billing", "FeeType")
    for code, stock_name in STOCK_NAMES.items():
        fee_type.objects.filter(code=code, stock_name="").update(stock_name=stock_name)


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0022_penalty_rule_versions_do_not_overlap"),
        ("ledger", "0020_line_customer"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="importbatch",
            options={
                "ordering": ["-created_at"],
                "permissions": [("import_bills", "Can import bills from the billing systems")],
                "verbose_name_plural": "import batches",
            },
        ),
        migrations.AddField(
            model_name="feetype",
            name="stock_name",
            field=models.CharField(
                blank=True,
                help_text=(
                    "Stock only: what the clerk counts in the drawer, in the plural "
                    '("Trash tag sheets", "Parking permit cards"), not the fee\'s name.'
                ),
                max_length=60,
            ),
        ),
        migrations.RunPython(name_the_stock, migrations.RunPython.noop),
        migrations.AlterConstraint(
            model_name="feeprice",
            name="fee_price_positive",
            constraint=models.CheckConstraint(
                condition=models.Q(("price__gt", 0)),
                name="fee_price_positive",
                violation_error_message=(
                    "A price must be more than $0.00. To stop selling a fee type, untick Active."
                ),
            ),
        ),
        migrations.RunSQL(
            (HERE / "0052_fee_type_revenue_account.sql").read_text(),
            reverse_sql=(HERE / "0052_fee_type_revenue_account_reverse.sql").read_text(),
        ),
    ]

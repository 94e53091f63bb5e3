from django.db import migrations


def seed(apps, schema_editor):
    from billing.services import CHARGE_TYPES

    account = apps.get_model("ledger", "Account")
    charge_type = apps.get_model("billing", "ChargeType")
    for code, name, account_code in CHARGE_TYPES:
        charge_type.objects.get_or_create(
            code=code,
            defaults={"name": name, "revenue_account": account.objects.get(code=account_code)},
        )


class Migration(migrations.Migration):
    dependencies = [("billing", "0002_bill_balance_invariant"), ("ledger", "0003_standard_chart")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

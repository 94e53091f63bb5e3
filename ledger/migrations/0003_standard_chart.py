from django.db import migrations


def seed_chart(apps, schema_editor):
    from ledger.services import STANDARD_CHART

    account = apps.get_model("ledger", "Account")
    for code, name, type_, fund in STANDARD_CHART:
        account.objects.get_or_create(
            code=code, defaults={"name": name, "type": type_, "fund": fund}
        )


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_invariants")]

    operations = [migrations.RunPython(seed_chart, migrations.RunPython.noop)]

from django.db import migrations, models


def seed_chart(apps, schema_editor):
    from ledger.services import STANDARD_CHART

    account = apps.get_model("ledger", "Account")
    for code, name, type_, fund in STANDARD_CHART:
        account.objects.get_or_create(
            code=code, defaults={"name": name, "type": type_, "fund": fund}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0020_line_customer"),
    ]

    operations = [
        # 1035 Cash in safe and 1036 Checks in safe: the safe's custody accounts (issue 9).
        migrations.RunPython(seed_chart, migrations.RunPython.noop),
        migrations.AddField(
            model_name="journalline",
            name="office_id",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="journalline",
            index=models.Index(
                condition=models.Q(("office_id__isnull", False)),
                fields=["office_id", "account"],
                name="ledger_line_office",
            ),
        ),
    ]

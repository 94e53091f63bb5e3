"""Remittance batches: their tables' append-only rules, the drawer's kind frozen, the liability
account for money held unapplied (2150), and the roles' new permissions."""

from pathlib import Path

from django.db import migrations

from cashiering.roles import roles_sync

HERE = Path(__file__).resolve().parent


def unapplied_account(apps, schema_editor) -> None:
    from payments.services.remittance import REMITTANCE_CHART

    account_model = apps.get_model("ledger", "Account")
    for code, name, type_, fund in REMITTANCE_CHART:
        account_model.objects.get_or_create(
            code=code, defaults={"name": name, "type": type_, "fund": fund}
        )


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0028_remittance_batches"),
        ("cashiering", "0005_reconciliation_roles"),
    ]

    operations = [
        migrations.RunSQL(
            (HERE / "0029_remittance_rules.sql").read_text(),
            reverse_sql=(HERE / "0029_remittance_rules_reverse.sql").read_text(),
        ),
        migrations.RunPython(unapplied_account, migrations.RunPython.noop),
        migrations.RunPython(roles_sync, migrations.RunPython.noop),
    ]

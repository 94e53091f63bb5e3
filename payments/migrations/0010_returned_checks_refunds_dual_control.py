"""Returned checks per check, partial refunds, refunds by city check, check writers flagged,
dual control settings (issue 8, sections 5, 9 and 10)."""

from pathlib import Path

import django.db.models.deletion
import django.db.models.functions.datetime
from django.conf import settings
from django.db import migrations, models

HERE = Path(__file__).resolve().parent


def reversals_backfill(apps, schema_editor):
    """Reversals made before this migration took back everything they touched: say so, and
    name the check a returned-check record was for (the first check of its receipt)."""
    # Foreign keys checked at once, so that the constraints added next may alter the table.
    schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    reversal_model = apps.get_model("payments", "PaymentReversal")
    tender_model = apps.get_model("payments", "Tender")
    for reversal in reversal_model.objects.all():
        tenders = list(tender_model.objects.filter(payment_id=reversal.payment_id).order_by("id"))
        reversal.taken_back = reversal.amount
        if reversal.kind == "refund":
            reversal.card_amount = sum((t.amount for t in tenders if t.kind == "card"), 0)
        if reversal.kind == "returned_check":
            reversal.tender = next(t for t in tenders if t.kind == "check")
        reversal.save(update_fields=["taken_back", "card_amount", "tender"])


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0011_feetype_counted_as_stock"),
        ("ledger", "0004_line_bill_index"),
        ("payments", "0002_drawer_fk"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="CheckWriterFlag",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "name",
                    models.CharField(help_text="The name on the returned check.", max_length=200),
                ),
                ("name_key", models.CharField(db_index=True, max_length=200)),
                (
                    "created_at",
                    models.DateTimeField(db_default=django.db.models.functions.datetime.Now()),
                ),
            ],
            options={
                "ordering": ["name_key", "id"],
            },
        ),
        migrations.AlterModelOptions(
            name="paymentreversal",
            options={"ordering": ["-created_at", "-id"]},
        ),
        migrations.AddField(
            model_name="approvalrequest",
            name="amount",
            field=models.DecimalField(
                blank=True,
                decimal_places=2,
                help_text="Refunds: the part to refund (empty: all that stands).",
                max_digits=14,
                null=True,
            ),
        ),
        migrations.AddField(
            model_name="approvalrequest",
            name="by_city_check",
            field=models.BooleanField(
                default=False,
                help_text="Refunds: paid by a city check that the Supervisor writes once the customer's check has cleared, not in cash at the counter.",
            ),
        ),
        migrations.AddField(
            model_name="office",
            name="allow_self_approval",
            field=models.BooleanField(
                default=False,
                help_text="Only where one Supervisor works alone: they may approve their own voids, refunds, overrides and pickups. Off, a second person must approve (dual control).",
            ),
        ),
        migrations.AddField(
            model_name="office",
            name="check_clearing_days",
            field=models.PositiveSmallIntegerField(
                default=10,
                help_text="Business days after a check is taken before what it paid may be refunded in cash or by city check (until then the bank may still return it).",
            ),
        ),
        migrations.AddField(
            model_name="paymentreversal",
            name="billed",
            field=models.DecimalField(
                decimal_places=2,
                default=0,
                help_text="Returned checks: the part no longer applied to a bill (refunded before), billed on the fee bill with the fee.",
                max_digits=14,
            ),
        ),
        migrations.AddField(
            model_name="paymentreversal",
            name="card_amount",
            field=models.DecimalField(
                decimal_places=2,
                default=0,
                help_text="Refunds: the part put back on the card.",
                max_digits=14,
            ),
        ),
        migrations.AddField(
            model_name="paymentreversal",
            name="city_check_number",
            field=models.CharField(
                blank=True, help_text="Refunds paid by city check: its number.", max_length=20
            ),
        ),
        migrations.AddField(
            model_name="paymentreversal",
            name="taken_back",
            field=models.DecimalField(
                decimal_places=2,
                default=0,
                help_text="What this took back from the payment's items (bills reopened).",
                max_digits=14,
            ),
        ),
        migrations.AddField(
            model_name="paymentreversal",
            name="tender",
            field=models.OneToOneField(
                blank=True,
                help_text="Returned checks: the check the bank returned.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="return_record",
                to="payments.tender",
            ),
        ),
        migrations.AlterField(
            model_name="paymentreversal",
            name="amount",
            field=models.DecimalField(
                decimal_places=2,
                help_text="Refunds: paid back. Returned checks: the check's amount.",
                max_digits=14,
            ),
        ),
        migrations.AlterField(
            model_name="paymentreversal",
            name="payment",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="reversals",
                to="payments.payment",
            ),
        ),
        migrations.RunPython(reversals_backfill, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="paymentreversal",
            constraint=models.UniqueConstraint(
                condition=models.Q(("kind", "void")),
                fields=("payment",),
                name="one_void_per_payment",
            ),
        ),
        migrations.AddConstraint(
            model_name="paymentreversal",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("amount__gt", 0),
                    ("billed__gte", 0),
                    ("card_amount__gte", 0),
                    ("taken_back__gte", 0),
                    ("card_amount__lte", models.F("amount")),
                    ("taken_back__lte", models.F("amount")),
                ),
                name="reversal_amounts_in_range",
            ),
        ),
        migrations.AddConstraint(
            model_name="paymentreversal",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("kind", "returned_check"), _negated=True),
                    ("tender__isnull", False),
                    _connector="OR",
                ),
                name="returned_check_names_its_tender",
            ),
        ),
        migrations.AddField(
            model_name="checkwriterflag",
            name="customer",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="billing.customer",
            ),
        ),
        migrations.AddField(
            model_name="checkwriterflag",
            name="reversal",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="payments.paymentreversal",
            ),
        ),
        migrations.AlterField(
            model_name="paymentreversal",
            name="entry",
            field=models.OneToOneField(
                blank=True,
                help_text="Empty only for a returned check whose payment had been refunded in full: the fee bill's entry then carries the bank's side.",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="ledger.journalentry",
            ),
        ),
        migrations.AddConstraint(
            model_name="paymentreversal",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("kind", "returned_check"), ("entry__isnull", False), _connector="OR"
                ),
                name="reversal_posts_an_entry",
            ),
        ),
        migrations.RunSQL(
            (HERE / "0010_check_writer_flag_append_only.sql").read_text(),
            reverse_sql=(HERE / "0010_check_writer_flag_append_only_reverse.sql").read_text(),
        ),
    ]

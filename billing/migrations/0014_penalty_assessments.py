"""Penalties assessed are named by rule (PenaltyAssessment), not counted: a rule added later
never makes an assessed event fall due again. The count each bill kept is carried over as the
first events of its schedule."""

import calendar
import datetime

import django.db.models.deletion
from django.db import migrations, models

ORDER_OF_KINDS = ("percent_after_due", "fixed_after_days", "percent_on_date")


def _first_day(due: datetime.date, rule) -> datetime.date:
    # The schedule as it stood when the count was kept (no business-day extension yet).
    if rule.kind == "percent_after_due":
        return due + datetime.timedelta(days=1)
    if rule.kind == "fixed_after_days":
        return due + datetime.timedelta(days=(rule.days or 0) + 1)
    year = due.year
    on = datetime.date(year, rule.month, min(rule.day, calendar.monthrange(year, rule.month)[1]))
    if on <= due:
        last = calendar.monthrange(year + 1, rule.month)[1]
        on = datetime.date(year + 1, rule.month, min(rule.day, last))
    return on


def counts_named(apps, schema_editor):
    bill_model = apps.get_model("billing", "Bill")
    rule_model = apps.get_model("billing", "PenaltyRule")
    assessment = apps.get_model("billing", "PenaltyAssessment")
    rules = [r for r in rule_model.objects.order_by("id") if r.kind in ORDER_OF_KINDS]
    rows = []
    for bill in bill_model.objects.filter(penalty_events_assessed__gt=0).iterator():
        schedule = sorted(
            (
                (_first_day(bill.due_date, r), r)
                for r in rules
                if r.bill_type == bill.bill_type
                and r.effective_from <= bill.due_date
                and (r.effective_to is None or r.effective_to >= bill.due_date)
            ),
            key=lambda event: event[0],
        )
        rows += [
            assessment(bill_id=bill.pk, rule_id=rule.pk)
            for _, rule in schedule[: bill.penalty_events_assessed]
        ]
    assessment.objects.bulk_create(rows, batch_size=5000)


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0013_penalty_rule_versions"),
        ("ledger", "0004_line_bill_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="PenaltyAssessment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "bill",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="penalty_assessments",
                        to="billing.bill",
                    ),
                ),
                (
                    "entry",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="ledger.journalentry",
                    ),
                ),
                (
                    "rule",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="assessments",
                        to="billing.penaltyrule",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("bill", "rule"), name="penalty_assessed_once")
                ]
            },
        ),
        migrations.RunPython(counts_named, migrations.RunPython.noop),
        migrations.RemoveField(model_name="bill", name="penalty_events_assessed"),
    ]

"""Penalty rules: a business-day flag, terms the database checks (no null month or day), dates
the app can compute with, interest rules that do not overlap, terms fixed once a bill falls under
a rule (a trigger, in the .sql file beside this one); water rates and minimums not negative."""

import datetime
from pathlib import Path

import django.contrib.postgres.constraints
import django.contrib.postgres.fields.ranges
from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations, models

import billing.models

HERE = Path(__file__).resolve().parent


def invoice_rules_not_extended(apps, schema_editor):
    # On by default for tax, water and parking; an invoice's terms are the invoice's own.
    rule = apps.get_model("billing", "PenaltyRule")
    rule.objects.filter(bill_type="invoice").update(extend_to_business_day=False)


class Migration(migrations.Migration):
    dependencies = [("billing", "0012_office_holidays")]

    operations = [
        BtreeGistExtension(),
        migrations.AddField(
            model_name="penaltyrule",
            name="extend_to_business_day",
            field=models.BooleanField(
                default=True,
                help_text=(
                    "A last day to pay without this rule that falls on a Saturday, Sunday, legal "
                    "holiday or office closure moves to the next business day (RPTL 925-a)."
                ),
                verbose_name="extend to the next business day",
            ),
        ),
        migrations.RunPython(invoice_rules_not_extended, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="penaltyrule", name="penalty_rule_has_its_terms"),
        migrations.AddConstraint(
            model_name="penaltyrule",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("kind", "monthly_interest"), ("percent__gt", 0), ("percent__isnull", False)
                    ),
                    models.Q(
                        ("kind", "percent_after_due"),
                        ("percent__gt", 0),
                        ("percent__isnull", False),
                    ),
                    models.Q(
                        ("day__gte", 1),
                        ("day__isnull", False),
                        ("day__lte", 31),
                        ("kind", "percent_on_date"),
                        ("month__gte", 1),
                        ("month__isnull", False),
                        ("month__lte", 12),
                        ("percent__gt", 0),
                        ("percent__isnull", False),
                    ),
                    models.Q(
                        ("amount__gt", 0),
                        ("amount__isnull", False),
                        ("days__isnull", False),
                        ("kind", "fixed_after_days"),
                    ),
                    _connector="OR",
                ),
                name="penalty_rule_has_its_terms",
                violation_error_message=(
                    "Interest and percent penalties need a percent above zero; a penalty on a "
                    "delinquency date needs its month and day; a fixed late fee needs an amount "
                    "and days."
                ),
            ),
        ),
        migrations.AddConstraint(
            model_name="penaltyrule",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("effective_from__gte", datetime.date(2000, 1, 1)),
                    ("effective_from__lte", datetime.date(2099, 12, 31)),
                    models.Q(
                        ("effective_to__isnull", True),
                        ("effective_to__lte", datetime.date(2099, 12, 31)),
                        _connector="OR",
                    ),
                ),
                name="penalty_rule_dates_computable",
                violation_error_message=(
                    "A rule's dates must fall between January 1, 2000 and December 31, 2099."
                ),
            ),
        ),
        migrations.AddConstraint(
            model_name="penaltyrule",
            constraint=django.contrib.postgres.constraints.ExclusionConstraint(
                condition=models.Q(("kind", "monthly_interest")),
                expressions=[
                    ("bill_type", "="),
                    (
                        billing.models.DateRange(
                            "effective_from",
                            "effective_to",
                            django.contrib.postgres.fields.ranges.RangeBoundary(
                                inclusive_lower=True, inclusive_upper=True
                            ),
                        ),
                        "&&",
                    ),
                ],
                name="interest_rules_do_not_overlap",
                violation_error_message=(
                    "Another interest rule of this bill type is in effect on some of these "
                    "dates: end it the day before this one takes effect."
                ),
            ),
        ),
        migrations.AddConstraint(
            model_name="meterminimum",
            constraint=models.CheckConstraint(
                condition=models.Q(("sewer_minimum__gte", 0), ("water_minimum__gte", 0)),
                name="meter_minimum_not_negative",
                violation_error_message="A meter's minimum charge cannot be negative.",
            ),
        ),
        migrations.AddConstraint(
            model_name="waterrate",
            constraint=models.CheckConstraint(
                condition=models.Q(("sewer_per_unit__gte", 0), ("water_per_unit__gte", 0)),
                name="water_rate_not_negative",
                violation_error_message="A rate per unit cannot be negative.",
            ),
        ),
        migrations.RunSQL(
            (HERE / "0013_penalty_rule_versions.sql").read_text(),
            reverse_sql=(HERE / "0013_penalty_rule_versions_reverse.sql").read_text(),
        ),
    ]

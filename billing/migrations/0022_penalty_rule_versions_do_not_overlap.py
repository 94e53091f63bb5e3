"""Penalty rules: two versions of one penalty are never in effect on the same day (exclusion
constraints like the interest rules' one), and a rule a bill falls under never has its end moved
later or cleared (the trigger of 0013, replaced by the .sql file beside this one)."""

from pathlib import Path

import django.contrib.postgres.constraints
import django.contrib.postgres.fields.ranges
from django.db import migrations, models

import billing.models

HERE = Path(__file__).resolve().parent


def _versions_do_not_overlap(name, kind, same, message):
    return migrations.AddConstraint(
        model_name="penaltyrule",
        constraint=django.contrib.postgres.constraints.ExclusionConstraint(
            condition=models.Q(("kind", kind)),
            expressions=[
                ("bill_type", "="),
                *[(field, "=") for field in same],
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
            name=name,
            violation_error_message=message,
        ),
    )


class Migration(migrations.Migration):
    dependencies = [("billing", "0051_bill_adjustment")]

    operations = [
        _versions_do_not_overlap(
            "after_due_penalties_do_not_overlap",
            "percent_after_due",
            [],
            "Another penalty after the due date of this bill type is in effect on some of these "
            "dates: end it the day before this one takes effect.",
        ),
        _versions_do_not_overlap(
            "delinquency_date_penalties_do_not_overlap",
            "percent_on_date",
            ["month", "day"],
            "Another penalty on this delinquency date for this bill type is in effect on some of "
            "these dates: end it the day before this one takes effect.",
        ),
        _versions_do_not_overlap(
            "late_fees_do_not_overlap",
            "fixed_after_days",
            ["days"],
            "Another late fee after this number of days for this bill type is in effect on some "
            "of these dates: end it the day before this one takes effect.",
        ),
        migrations.RunSQL(
            (HERE / "0022_penalty_rule_versions_do_not_overlap.sql").read_text(),
            # Back to the trigger function as 0013 wrote it.
            reverse_sql=(HERE / "0013_penalty_rule_versions.sql").read_text(),
        ),
    ]

"""Day seals, algorithm 3: a reopened sign-off (and ledger day seal) is verified over the
entries it covered (docs/ledger.md, "Day seals")."""

from pathlib import Path

from django.db import migrations, models

HERE = Path(__file__).resolve().parent
COVERED_HELP = (
    "The highest journal entry id the seal covers (0 for none; empty before algorithm 3). "
    "A reopened version is verified over its entries up to this id."
)


class Migration(migrations.Migration):
    dependencies = [
        ("reconciliation", "0063_day_seals_v2"),
    ]

    operations = [
        migrations.AlterField(
            model_name="daysignoff",
            name="seal_algorithm",
            field=models.PositiveSmallIntegerField(
                default=3,
                help_text="Which canonical text the seal hashes: 1 before issue 13, 2 until "
                "reopened versions were sealed, 3 since.",
            ),
        ),
        migrations.AddField(
            model_name="daysignoff",
            name="covered_through_entry",
            field=models.BigIntegerField(blank=True, null=True, help_text=COVERED_HELP),
        ),
        # The ledger day seals made before this migration are algorithm 2 (their seals were
        # computed so); every new one is algorithm 3.
        migrations.AddField(
            model_name="ledgerdayseal",
            name="seal_algorithm",
            field=models.PositiveSmallIntegerField(
                default=2,
                help_text="Which canonical text the seal hashes: 2 until reopened versions "
                "were sealed, 3 since.",
            ),
        ),
        migrations.AlterField(
            model_name="ledgerdayseal",
            name="seal_algorithm",
            field=models.PositiveSmallIntegerField(
                default=3,
                help_text="Which canonical text the seal hashes: 2 until reopened versions "
                "were sealed, 3 since.",
            ),
        ),
        migrations.AddField(
            model_name="ledgerdayseal",
            name="covered_through_entry",
            field=models.BigIntegerField(blank=True, null=True, help_text=COVERED_HELP),
        ),
        migrations.RunSQL(
            (HERE / "0064_day_seals_v3.sql").read_text(),
            reverse_sql=(HERE / "0064_day_seals_v3_reverse.sql").read_text(),
        ),
    ]

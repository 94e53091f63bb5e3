from pathlib import Path

from django.conf import settings
from django.db import migrations

HERE = Path(__file__).resolve().parent


class Migration(migrations.Migration):
    dependencies = [
        ("reconciliation", "0060_statement_line_references"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunSQL(
            (HERE / "0061_statement_line_matcher_kept.sql").read_text(),
            reverse_sql=(HERE / "0061_statement_line_matcher_kept_reverse.sql").read_text(),
        ),
    ]

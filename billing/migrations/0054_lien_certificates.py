"""Certified lists of liens: which charge types are liens, the office's lien terms, officers'
titles, the certificates and their items (append-only, the .sql file beside this one), and the
public verification page's shared throttle. The data step marks the seeded charge types, adds
the special assessment charge type and the lien terms where the office's data is already in."""

import datetime
from pathlib import Path

import django.contrib.postgres.fields
import django.db.models.deletion
import django.db.models.expressions
import django.db.models.functions.datetime
from django.conf import settings
from django.db import migrations, models

import billing.models

HERE = Path(__file__).resolve().parent

LIEN_CHARGE_TYPES = ("city_tax", "relevied_water", "relevied_sewer", "special_assessment")


def lien_data(apps, schema_editor):
    """What production needs and the seeds make on a new database too (billing.services.
    charge_types_seed, billing.demo.reference_data_seed): the special assessment charge type
    where the chart is in, the liens marked, and the lien terms naming the lien search fee
    (an Admin picks it in the administration site where the office calls it otherwise)."""
    account = apps.get_model("ledger", "Account")
    charge_type = apps.get_model("billing", "ChargeType")
    fee_type = apps.get_model("billing", "FeeType")
    lien_terms = apps.get_model("billing", "LienTerms")
    tax_revenue = account.objects.filter(code="4000").first()
    if tax_revenue is not None:
        charge_type.objects.get_or_create(
            code="special_assessment",
            defaults={"name": "Special assessment", "revenue_account": tax_revenue},
        )
    charge_type.objects.filter(code__in=LIEN_CHARGE_TYPES).update(is_lien=True)
    lien_terms.objects.get_or_create(
        pk=1, defaults={"fee_type": fee_type.objects.filter(code="lien_search").first()}
    )


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0053_date_limit_messages_us_dates"),
        ("ledger", "0020_line_customer"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="chargetype",
            name="is_lien",
            field=models.BooleanField(
                default=False,
                help_text="An unpaid charge of this type is a lien on the parcel billed, so it is listed on certified lists of liens (city tax, relevied water and sewer, special assessments).",
                verbose_name="a lien on the property",
            ),
        ),
        migrations.CreateModel(
            name="LienCertificate",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("training", models.BooleanField(default=False)),
                ("year", models.PositiveSmallIntegerField()),
                ("sequence", models.PositiveIntegerField()),
                ("good_through", models.DateField()),
                ("issued_on", models.DateField(help_text="The business date it was issued.")),
                (
                    "issued_at",
                    models.DateTimeField(db_default=django.db.models.functions.datetime.Now()),
                ),
                ("parcel_number", models.CharField(max_length=30)),
                ("address", models.CharField(max_length=300)),
                (
                    "owners",
                    models.TextField(help_text="The owners of record when issued, one a line."),
                ),
                ("officer_name", models.CharField(max_length=300)),
                ("officer_title", models.CharField(max_length=200)),
                ("statement", models.TextField()),
                ("verification_code", models.CharField(max_length=10, unique=True)),
                ("principal", models.DecimalField(decimal_places=2, max_digits=14)),
                ("penalty", models.DecimalField(decimal_places=2, max_digits=14)),
                ("interest", models.DecimalField(decimal_places=2, max_digits=14)),
                ("payoff", models.DecimalField(decimal_places=2, max_digits=14)),
                (
                    "issued_by",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "property",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="lien_certificates",
                        to="billing.property",
                    ),
                ),
            ],
            options={
                "ordering": ["-issued_at", "-id"],
                "permissions": [("issue_lien_certificate", "Can issue certified lists of liens")],
            },
        ),
        migrations.CreateModel(
            name="LienCertificateItem",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("year", models.PositiveSmallIntegerField()),
                (
                    "kind",
                    models.CharField(help_text="City tax, relevied water, ...", max_length=300),
                ),
                ("description", models.CharField(max_length=300)),
                (
                    "detail",
                    models.CharField(
                        blank=True, help_text="The principal billed, split.", max_length=500
                    ),
                ),
                ("principal", models.DecimalField(decimal_places=2, max_digits=14)),
                ("penalty", models.DecimalField(decimal_places=2, max_digits=14)),
                ("interest", models.DecimalField(decimal_places=2, max_digits=14)),
                ("total", models.DecimalField(decimal_places=2, max_digits=14)),
                (
                    "bill",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="billing.bill",
                    ),
                ),
                (
                    "certificate",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="items",
                        to="billing.liencertificate",
                    ),
                ),
            ],
            options={
                "ordering": ["id"],
            },
        ),
        migrations.CreateModel(
            name="LienTerms",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "lien_bill_types",
                    django.contrib.postgres.fields.ArrayField(
                        base_field=models.CharField(
                            choices=[
                                ("property_tax", "Property tax"),
                                ("water_sewer", "Water & sewer"),
                                ("parking", "Parking ticket"),
                                ("invoice", "Miscellaneous invoice"),
                            ],
                            max_length=12,
                        ),
                        blank=True,
                        default=billing.models._default_lien_bill_types,
                        help_text="Bill types every bill of which is a lien on its parcel (property tax). Other bills are liens only through a charge type marked as a lien.",
                    ),
                ),
                (
                    "certification_statement",
                    models.TextField(
                        default="I certify that the items listed above are all the unpaid taxes, assessments and charges that are liens on this parcel according to the records of this office, with the penalty and interest that will have accrued on them through the good-through date if paid on that date. Charges billed after the date of issue of this certificate are not included."
                    ),
                ),
                (
                    "fee_type",
                    models.ForeignKey(
                        blank=True,
                        help_text="The fee the counter sells for a certified list of liens (the lien search).",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="billing.feetype",
                    ),
                ),
            ],
            options={
                "verbose_name": "lien terms",
                "verbose_name_plural": "lien terms",
            },
        ),
        migrations.CreateModel(
            name="StaffTitle",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("title", models.CharField(max_length=120)),
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="staff_title",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ["user__last_name", "user__first_name"],
            },
        ),
        migrations.CreateModel(
            name="VerifyThrottle",
            fields=[
                (
                    "client",
                    models.CharField(
                        help_text="A hash of the address.",
                        max_length=64,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("window_start", models.DateTimeField()),
                ("hits", models.PositiveIntegerField(default=0)),
            ],
            options={
                "indexes": [
                    models.Index(fields=["window_start"], name="billing_ver_window__5feec4_idx")
                ],
            },
        ),
        migrations.AddIndex(
            model_name="liencertificate",
            index=models.Index(
                fields=["property", "-issued_at"], name="billing_lie_propert_0fdd20_idx"
            ),
        ),
        migrations.AddConstraint(
            model_name="liencertificate",
            constraint=models.UniqueConstraint(
                fields=("training", "year", "sequence"), name="lien_certificate_number_once"
            ),
        ),
        migrations.AddConstraint(
            model_name="liencertificate",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("interest__gte", 0),
                    (
                        "payoff",
                        django.db.models.expressions.CombinedExpression(
                            django.db.models.expressions.CombinedExpression(
                                models.F("principal"), "+", models.F("penalty")
                            ),
                            "+",
                            models.F("interest"),
                        ),
                    ),
                    ("penalty__gte", 0),
                    ("principal__gte", 0),
                ),
                name="lien_certificate_payoff_is_its_parts",
            ),
        ),
        migrations.AddConstraint(
            model_name="liencertificate",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("good_through__gte", models.F("issued_on")),
                    (
                        "good_through__lte",
                        models.ExpressionWrapper(
                            django.db.models.expressions.CombinedExpression(
                                models.F("issued_on"),
                                "+",
                                models.Value(datetime.timedelta(days=90)),
                            ),
                            output_field=models.DateField(),
                        ),
                    ),
                ),
                name="lien_certificate_good_through_in_range",
            ),
        ),
        migrations.AddConstraint(
            model_name="liencertificateitem",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("interest__gte", 0),
                    ("penalty__gte", 0),
                    ("principal__gte", 0),
                    (
                        "total",
                        django.db.models.expressions.CombinedExpression(
                            django.db.models.expressions.CombinedExpression(
                                models.F("principal"), "+", models.F("penalty")
                            ),
                            "+",
                            models.F("interest"),
                        ),
                    ),
                    ("total__gt", 0),
                ),
                name="lien_item_total_is_its_parts",
            ),
        ),
        migrations.AddConstraint(
            model_name="lienterms",
            constraint=models.CheckConstraint(
                condition=models.Q(("id", 1)), name="lien_terms_one_row"
            ),
        ),
        migrations.RunSQL(
            (HERE / "0054_lien_certificates.sql").read_text(),
            reverse_sql=(HERE / "0054_lien_certificates_reverse.sql").read_text(),
        ),
        migrations.RunPython(lien_data, migrations.RunPython.noop),
    ]

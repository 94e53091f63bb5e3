"""What the City bills: customers, properties, water accounts, vehicles, bills and their lines,
fee types with dated prices, penalty and interest rules, and the department directory."""

import builtins
from datetime import timedelta

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import (
    ArrayField,
    DateRangeField,
    RangeBoundary,
    RangeOperators,
)
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models.functions import Now, Upper
from django.urls import reverse

from audit.history import tracked
from billing.business_days import CALENDAR_FIRST, CALENDAR_LAST
from cashiering.dates import us_date
from ledger.models import Account


class BillType(models.TextChoices):
    PROPERTY_TAX = "property_tax", "Property tax"
    WATER_SEWER = "water_sewer", "Water & sewer"
    PARKING = "parking", "Parking ticket"
    INVOICE = "invoice", "Miscellaneous invoice"


# The receivable (control) account of each bill type.
RECEIVABLE_ACCOUNT_CODES = {
    BillType.PROPERTY_TAX: "1200",
    BillType.WATER_SEWER: "1210",
    BillType.PARKING: "1220",
    BillType.INVOICE: "1230",
}


# What splits a name into words: anything but letters, digits and apostrophes (O'BRIEN).
NAME_WORD_SEPARATORS = "[^A-Z0-9']+"


class DateRange(models.Func):
    """PostgreSQL's daterange(lower, upper, bounds); a null upper bound is open-ended."""

    function = "DATERANGE"
    output_field = DateRangeField()


def _trigram_index(field: str, name: str) -> GinIndex:
    return GinIndex(OpClass(Upper(field), name="gin_trgm_ops"), name=name)


@tracked(exclude=["name_words"])
class Customer(models.Model):
    """A person or business the City bills. Contact details are confidential: every view of a
    customer's page is logged (CustomerView)."""

    class Kind(models.TextChoices):
        PERSON = "person", "Person"
        BUSINESS = "business", "Business"

    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.PERSON)
    name = models.CharField(max_length=200)
    address_line1 = models.CharField("mailing address", max_length=200, blank=True)
    address_line2 = models.CharField("address line 2", max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=2, blank=True)
    postal_code = models.CharField(max_length=10, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    checks_refused = models.BooleanField(
        default=False, help_text="Set after a returned check: no checks are accepted from them."
    )
    created_at = models.DateTimeField(db_default=Now())
    # The name's words in capitals, for the lookup: found through a GIN index, and collected
    # into NameWord (by a trigger) so that a mistyped word can be matched to the real ones.
    name_words = models.GeneratedField(
        expression=models.Func(
            Upper("name"), models.Value(NAME_WORD_SEPARATORS), function="regexp_split_to_array"
        ),
        output_field=ArrayField(models.CharField(max_length=200)),
        db_persist=True,
    )

    class Meta:
        ordering = ["name", "id"]
        indexes = [GinIndex(fields=["name_words"], name="customer_name_words")]
        permissions = [
            ("export_personal_data", "Can export files holding residents' names and addresses")
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("billing:customer", args=[self.pk])

    @property
    def mailing_address(self) -> str:
        city_line = " ".join(
            p for p in [f"{self.city}," if self.city else "", self.state, self.postal_code] if p
        )
        return "\n".join(p for p in [self.address_line1, self.address_line2, city_line] if p)


class NameWord(models.Model):
    """Every word of every customer's name, kept by a trigger on billing_customer: the lookup
    matches a mistyped word against these (a few thousand) instead of every name."""

    word = models.CharField(max_length=200, primary_key=True)

    class Meta:
        indexes = [GinIndex(OpClass("word", name="gin_trgm_ops"), name="name_word_trgm")]

    def __str__(self) -> str:
        return self.word


class CustomerView(models.Model):
    """Who looked at a customer's confidential details, and when."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="views")
    viewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    viewed_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["-viewed_at"]
        indexes = [models.Index(fields=["customer", "-viewed_at"])]

    def __str__(self) -> str:
        return f"{self.viewed_by} viewed {self.customer} at {self.viewed_at}"


class Property(models.Model):
    parcel_number = models.CharField(
        "tax map parcel number", max_length=30, unique=True, help_text="For example 24.-3-1."
    )
    street_address = models.CharField(max_length=200, help_text="For example 108 E Green St.")
    city = models.CharField(max_length=100, default="Ithaca")
    owners = models.ManyToManyField(Customer, related_name="properties")

    class Meta:
        verbose_name_plural = "properties"
        ordering = ["parcel_number"]
        indexes = [_trigram_index("street_address", "property_address_trgm")]

    def __str__(self) -> str:
        return f"{self.parcel_number} {self.street_address}"


class MeterSize(models.TextChoices):
    FIVE_EIGHTHS = "5/8", '5/8"'
    THREE_QUARTERS = "3/4", '3/4"'
    ONE = "1", '1"'
    ONE_HALF = "1.5", '1-1/2"'
    TWO = "2", '2"'
    THREE = "3", '3"'
    FOUR = "4", '4"'
    SIX = "6", '6"'


class WaterAccount(models.Model):
    number = models.CharField(
        "account number",
        max_length=20,
        unique=True,
        help_text="Two-digit zone prefix, a hyphen, then the account: for example 02-10457.",
    )
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="water_accounts")
    property = models.ForeignKey(
        Property, null=True, blank=True, on_delete=models.PROTECT, related_name="water_accounts"
    )
    service_address = models.CharField(max_length=200)
    meter_size = models.CharField(
        max_length=4, choices=MeterSize.choices, default=MeterSize.FIVE_EIGHTHS
    )

    class Meta:
        ordering = ["number"]
        indexes = [_trigram_index("service_address", "water_address_trgm")]

    def __str__(self) -> str:
        return f"{self.number} {self.service_address}"

    @builtins.property  # the field `property` shadows the builtin in this class body
    def prefix(self) -> int:
        return int(self.number.split("-", 1)[0])


class Vehicle(models.Model):
    plate = models.CharField(max_length=10)
    state = models.CharField(max_length=2, default="NY")
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="vehicles"
    )

    class Meta:
        ordering = ["plate", "state"]
        constraints = [
            models.UniqueConstraint(fields=["plate", "state"], name="vehicle_plate_state")
        ]

    def __str__(self) -> str:
        return f"{self.plate} ({self.state})"


@tracked()
class ChargeType(models.Model):
    """What a bill line is for, and the revenue account it posts to."""

    code = models.CharField(max_length=30, unique=True)
    name = models.CharField(max_length=120)
    revenue_account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    is_lien = models.BooleanField(
        "a lien on the property",
        default=False,
        help_text=(
            "An unpaid charge of this type is a lien on the parcel billed, so it is listed on "
            "certified lists of liens (city tax, relevied water and sewer, special assessments)."
        ),
    )

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


@tracked()
class ViolationCode(models.Model):
    """A parking violation; the fine rises for repeats of the same code within 18 months."""

    code = models.CharField(max_length=10, unique=True)
    description = models.CharField(max_length=200)
    fine_first = models.DecimalField(max_digits=14, decimal_places=2)
    fine_second = models.DecimalField(max_digits=14, decimal_places=2)
    fine_third = models.DecimalField(
        max_digits=14, decimal_places=2, help_text="Third and later within 18 months."
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(fine_first__gt=0, fine_second__gt=0, fine_third__gt=0),
                name="violation_fines_positive",
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.description}"


# What a payment, a penalty assessed at payment, or an adjustment moves on a bill: the ledger is
# their history (every cent has its entry), so history keeps none of it and a payment, or a
# 10,000-item remittance batch, writes no bill event (an update of only these is not tracked).
BILL_MONEY_COLUMNS = (
    "principal_balance",
    "penalty_balance",
    "interest_balance",
    "balance",
    "interest_months_assessed",
)


@tracked(exclude=BILL_MONEY_COLUMNS)
class Bill(models.Model):
    """Something a customer owes. `balance` is kept equal to the sum of the bill's lines on its
    receivable account (PostgreSQL checks it at commit); the three parts say what it is made of."""

    number = models.CharField(max_length=30, unique=True)
    bill_type = models.CharField(max_length=12, choices=BillType.choices)
    source = models.CharField(max_length=20, help_text="The billing system it came from.")
    external_id = models.CharField(max_length=60, blank=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="bills")
    property = models.ForeignKey(
        Property, null=True, blank=True, on_delete=models.PROTECT, related_name="bills"
    )
    water_account = models.ForeignKey(
        WaterAccount, null=True, blank=True, on_delete=models.PROTECT, related_name="bills"
    )
    vehicle = models.ForeignKey(
        Vehicle, null=True, blank=True, on_delete=models.PROTECT, related_name="bills"
    )
    description = models.CharField(max_length=200)
    issue_date = models.DateField()
    due_date = models.DateField()
    # Property tax
    tax_year = models.PositiveSmallIntegerField(null=True, blank=True)
    installment = models.PositiveSmallIntegerField(null=True, blank=True)
    # Water & sewer
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    previous_reading = models.PositiveIntegerField(null=True, blank=True)
    current_reading = models.PositiveIntegerField(null=True, blank=True)
    # Parking
    violation = models.ForeignKey(
        ViolationCode, null=True, blank=True, on_delete=models.PROTECT, related_name="tickets"
    )
    violation_location = models.CharField(max_length=200, blank=True)
    appeal_pending = models.BooleanField(default=False)
    # Late fees stop on the day an appeal opens; when it closes, the fee schedule moves later
    # by the days it was pending, so nothing that would have fallen in between is charged.
    appeal_opened_on = models.DateField(null=True, blank=True)
    appeal_days = models.PositiveIntegerField(default=0)

    receivable_account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    principal = models.DecimalField(max_digits=14, decimal_places=2)
    principal_balance = models.DecimalField(max_digits=14, decimal_places=2)
    penalty_balance = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    interest_balance = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    balance = models.DecimalField(max_digits=14, decimal_places=2)
    # How many months of interest have been assessed (the penalties assessed are named, one
    # PenaltyAssessment per rule).
    interest_months_assessed = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(db_default=Now())
    # The one-time token of the form that created it: a repeated submit finds this bill.
    idempotency_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        ordering = ["due_date", "id"]
        permissions = [
            ("create_invoice", "Can create miscellaneous invoices"),
            ("waive_penalty", "Can waive penalties and interest"),
            ("adjust_bill", "Can cancel or write down a bill (supervisor)"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(principal__gt=0), name="bill_principal_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    principal_balance__gte=0, penalty_balance__gte=0, interest_balance__gte=0
                ),
                name="bill_parts_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    balance=models.F("principal_balance")
                    + models.F("penalty_balance")
                    + models.F("interest_balance")
                ),
                name="bill_balance_is_its_parts",
            ),
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~models.Q(external_id=""),
                name="bill_unique_per_source",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "due_date"]),
            models.Index(fields=["vehicle", "violation", "issue_date"]),
            models.Index(
                fields=["customer"], condition=models.Q(balance__gt=0), name="bill_open_by_customer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.description}"

    def get_absolute_url(self) -> str:
        return reverse("billing:bill", args=[self.number])


class BillLine(models.Model):
    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="lines")
    charge_type = models.ForeignKey(ChargeType, on_delete=models.PROTECT, related_name="+")
    # The account the line was posted to: the charge type's, or one chosen on an invoice line.
    revenue_account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    description = models.CharField(max_length=200)
    quantity = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    unit_price = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="bill_line_positive")
        ]

    def __str__(self) -> str:
        return f"{self.description} {self.amount}"


def _rule_versions_do_not_overlap(
    name: str, kind: str, same: list[str], message: str
) -> ExclusionConstraint:
    """No two penalty rules of `kind`, of one bill type and alike in the fields `same`, in
    effect on one day."""
    return ExclusionConstraint(
        name=name,
        expressions=[
            ("bill_type", RangeOperators.EQUAL),
            *[(field, RangeOperators.EQUAL) for field in same],
            (
                DateRange(
                    "effective_from",
                    "effective_to",
                    RangeBoundary(inclusive_lower=True, inclusive_upper=True),
                ),
                RangeOperators.OVERLAPS,
            ),
        ],
        condition=models.Q(kind=kind),
        violation_error_message=message,
    )


@tracked()
class PenaltyRule(models.Model):
    """One rule of the penalty and interest schedule for a bill type, effective from a date.

    A bill follows the rules in effect on its due date. Once a bill on file falls under a rule,
    the rule's terms are fixed (a database trigger refuses the change): a change of the law is a
    new rule effective from a date, with the old one ended the day before
    (billing.services.penalty_rule_revise). Interest rules of a bill type may not overlap."""

    class Kind(models.TextChoices):
        MONTHLY_INTEREST = "monthly_interest", "Interest: percent per month or portion thereof"
        PERCENT_ON_DATE = "percent_on_date", "Penalty: one-time percent on a delinquency date"
        PERCENT_AFTER_DUE = "percent_after_due", "Penalty: one-time percent after the due date"
        FIXED_AFTER_DAYS = "fixed_after_days", "Penalty: fixed late fee after a number of days"

    bill_type = models.CharField(max_length=12, choices=BillType.choices)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    percent = models.DecimalField(max_digits=6, decimal_places=3, null=True, blank=True)
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Fixed late fee: days after the due date."
    )
    month = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Delinquency date: month, in the due date's year."
    )
    day = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Delinquency date: day."
    )
    extend_to_business_day = models.BooleanField(
        "extend to the next business day",
        default=True,
        help_text=(
            "A last day to pay without this rule that falls on a Saturday, Sunday, legal "
            "holiday or office closure moves to the next business day (RPTL 925-a)."
        ),
    )
    effective_from = models.DateField()
    effective_to = models.DateField(null=True, blank=True)
    description = models.CharField(max_length=200, blank=True, help_text="The law or resolution.")

    class Meta:
        ordering = ["bill_type", "effective_from", "id"]
        constraints = [
            models.CheckConstraint(
                # Each term spelled out as not null: a CHECK passes when it evaluates to NULL.
                condition=(
                    models.Q(kind="monthly_interest", percent__isnull=False, percent__gt=0)
                    | models.Q(kind="percent_after_due", percent__isnull=False, percent__gt=0)
                    | models.Q(
                        kind="percent_on_date",
                        percent__isnull=False,
                        percent__gt=0,
                        month__isnull=False,
                        day__isnull=False,
                        month__gte=1,
                        month__lte=12,
                        day__gte=1,
                        day__lte=31,
                    )
                    | models.Q(
                        kind="fixed_after_days",
                        amount__isnull=False,
                        amount__gt=0,
                        days__isnull=False,
                    )
                ),
                name="penalty_rule_has_its_terms",
                violation_error_message=(
                    "Interest and percent penalties need a percent above zero; a penalty on a "
                    "delinquency date needs its month and day; a fixed late fee needs an amount "
                    "and days."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(effective_to__isnull=True)
                | models.Q(effective_to__gte=models.F("effective_from")),
                name="penalty_rule_dates_in_order",
                violation_error_message="A rule must end on or after the day it takes effect.",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    effective_from__gte=CALENDAR_FIRST, effective_from__lte=CALENDAR_LAST
                )
                & (models.Q(effective_to__isnull=True) | models.Q(effective_to__lte=CALENDAR_LAST)),
                name="penalty_rule_dates_computable",
                violation_error_message=(
                    f"A rule's dates must fall between {us_date(CALENDAR_FIRST)} and "
                    f"{us_date(CALENDAR_LAST)}."
                ),
            ),
            ExclusionConstraint(
                name="interest_rules_do_not_overlap",
                expressions=[
                    ("bill_type", RangeOperators.EQUAL),
                    (
                        DateRange(
                            "effective_from",
                            "effective_to",
                            RangeBoundary(inclusive_lower=True, inclusive_upper=True),
                        ),
                        RangeOperators.OVERLAPS,
                    ),
                ],
                condition=models.Q(kind="monthly_interest"),
                violation_error_message=(
                    "Another interest rule of this bill type is in effect on some of these "
                    "dates: end it the day before this one takes effect."
                ),
            ),
            # Two versions of one penalty in effect on the same day would both be charged. A
            # penalty is the same one when its bill type and kind are, and for the kinds a
            # schedule may hold several of (parking's $10 after 20 days and $20 after 60), its
            # delinquency date or its number of days as well.
            _rule_versions_do_not_overlap(
                "after_due_penalties_do_not_overlap",
                "percent_after_due",
                [],
                "Another penalty after the due date of this bill type is in effect on some of "
                "these dates: end it the day before this one takes effect.",
            ),
            _rule_versions_do_not_overlap(
                "delinquency_date_penalties_do_not_overlap",
                "percent_on_date",
                ["month", "day"],
                "Another penalty on this delinquency date for this bill type is in effect on "
                "some of these dates: end it the day before this one takes effect.",
            ),
            _rule_versions_do_not_overlap(
                "late_fees_do_not_overlap",
                "fixed_after_days",
                ["days"],
                "Another late fee after this number of days for this bill type is in effect on "
                "some of these dates: end it the day before this one takes effect.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_bill_type_display()}: {self.get_kind_display()}"


class PenaltyAssessment(models.Model):
    """A rule's penalty event assessed on a bill: each is assessed at most once (a unique
    constraint), and the entry that assessed it is named, so a void takes back exactly its own."""

    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="penalty_assessments")
    rule = models.ForeignKey(PenaltyRule, on_delete=models.PROTECT, related_name="assessments")
    # Null only for events carried over from the count kept before (migration 0014).
    entry = models.ForeignKey(
        "ledger.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["bill", "rule"], name="penalty_assessed_once")
        ]

    def __str__(self) -> str:
        return f"{self.rule} assessed on bill {self.bill_id}"


@tracked()
class Holiday(models.Model):
    """A day the office is closed besides Saturdays and Sundays: a legal holiday (seeded from
    the `holidays` package, US and New York) or a closure an Admin adds (a snow day). A last day
    to pay that falls on one moves to the next business day."""

    class Kind(models.TextChoices):
        LEGAL = "legal", "Legal holiday"
        CLOSURE = "closure", "Office closure"

    date = models.DateField(unique=True)
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.CLOSURE)

    class Meta:
        verbose_name = "holiday or office closure"
        verbose_name_plural = "holidays and office closures"
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(date__gte=CALENDAR_FIRST, date__lte=CALENDAR_LAST),
                name="holiday_date_computable",
                violation_error_message=(
                    f"The office calendar holds dates from {us_date(CALENDAR_FIRST)} to "
                    f"{us_date(CALENDAR_LAST)}."
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{us_date(self.date)}: {self.name}"


@tracked()
class WaterRate(models.Model):
    """Water and sewer rates per unit (100 cubic feet), effective from a date."""

    effective_from = models.DateField(unique=True)
    water_per_unit = models.DecimalField(max_digits=8, decimal_places=4)
    sewer_per_unit = models.DecimalField(max_digits=8, decimal_places=4)

    class Meta:
        ordering = ["-effective_from"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(water_per_unit__gte=0, sewer_per_unit__gte=0),
                name="water_rate_not_negative",
                violation_error_message="A rate per unit cannot be negative.",
            )
        ]

    def __str__(self) -> str:
        return (
            f"From {self.effective_from}: water {self.water_per_unit}, sewer {self.sewer_per_unit}"
        )


@tracked()
class MeterMinimum(models.Model):
    """The quarterly minimum charge for a meter size, which covers an allowance of units."""

    effective_from = models.DateField()
    meter_size = models.CharField(max_length=4, choices=MeterSize.choices)
    allowance_units = models.PositiveIntegerField()
    water_minimum = models.DecimalField(max_digits=14, decimal_places=2)
    sewer_minimum = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["meter_size", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["meter_size", "effective_from"], name="meter_minimum_per_date"
            ),
            models.CheckConstraint(
                condition=models.Q(water_minimum__gte=0, sewer_minimum__gte=0),
                name="meter_minimum_not_negative",
                violation_error_message="A meter's minimum charge cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return f'{self.meter_size}" meter from {self.effective_from}'


@tracked()
class FeeType(models.Model):
    """Something sold or charged at the counter: trash tags, permits, certificates, fees."""

    class Category(models.TextChoices):
        TRASH_TAG = "trash_tag", "Trash tags"
        PARKING_PERMIT = "parking_permit", "Parking permit"
        CERTIFICATE = "certificate", "Certificate or search"
        RETURNED_CHECK = "returned_check", "Returned check fee"
        OTHER = "other", "Other"

    code = models.CharField(max_length=30, unique=True)
    name = models.CharField(max_length=120)
    category = models.CharField(max_length=20, choices=Category.choices)
    revenue_account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    quantity_applies = models.BooleanField(default=False)
    requires_plate = models.BooleanField(default=False)
    requires_permit_period = models.BooleanField(default=False)
    max_months = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Permits: the most months sold at once."
    )
    garage = models.CharField(
        max_length=100, blank=True, help_text="Parking permits: which garage."
    )
    counted_as_stock = models.BooleanField(
        default=False, help_text="Kept in the drawer and counted like cash (tags, permit cards)."
    )
    stock_name = models.CharField(
        max_length=60,
        blank=True,
        help_text=(
            "Stock only: what the clerk counts in the drawer, in the plural "
            '("Trash tag sheets", "Parking permit cards"), not the fee\'s name.'
        ),
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["category", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def stock_label(self) -> str:
        """The stock item's name on the drawer's counts: its own name, else the fee's."""
        return self.stock_name or self.name


@tracked()
class FeePrice(models.Model):
    fee_type = models.ForeignKey(FeeType, on_delete=models.CASCADE, related_name="prices")
    effective_from = models.DateField()
    price = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["fee_type", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["fee_type", "effective_from"], name="fee_price_per_date"
            ),
            models.CheckConstraint(
                condition=models.Q(price__gt=0),
                name="fee_price_positive",
                violation_error_message=(
                    "A price must be more than $0.00. To stop selling a fee type, untick Active."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.fee_type}: {self.price} from {self.effective_from}"


@tracked()
class Department(models.Model):
    """The directory at the counter: who handles what, where, and when."""

    name = models.CharField(max_length=120, unique=True)
    handles = models.TextField(help_text="What they handle, in the words customers use.")
    phone = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    location = models.CharField(max_length=200, blank=True)
    hours = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["name"]
        indexes = [_trigram_index("name", "department_name_trgm")]

    def __str__(self) -> str:
        return self.name


class FaqEntry(models.Model):
    question = models.CharField(max_length=300)
    answer = models.TextField()
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="faqs"
    )

    class Meta:
        verbose_name = "FAQ entry"
        verbose_name_plural = "FAQ entries"
        ordering = ["question"]

    def __str__(self) -> str:
        return self.question


class NumberSeries(models.Model):
    """Gapless numbering (invoices, later receipts): a row locked in the numbering transaction."""

    name = models.CharField(max_length=30)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["name", "year"], name="number_series_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.year}: {self.last_number}"


class PenaltyWaiver(models.Model):
    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="waivers")
    penalty = models.DecimalField(max_digits=14, decimal_places=2)
    interest = models.DecimalField(max_digits=14, decimal_places=2)
    reason = models.TextField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    entry = models.OneToOneField("ledger.JournalEntry", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(db_default=Now())
    # The waiver form's one-time token: submitting it again finds this waiver.
    token = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Waiver on {self.bill.number}"


class BillAdjustment(models.Model):
    """A Supervisor's cancellation or write-down of a bill, with its reason: posted as an
    adjustment entry (Dr revenue or write-offs, Cr receivable). Append-only (a trigger refuses
    UPDATE and DELETE, migrations/0051_bill_adjustment.sql)."""

    class Reason(models.TextChoices):
        APPEAL_WON = "appeal_won", "Appeal won"
        BILLING_ERROR = "billing_error", "Billing error"
        COURT_ORDER = "court_order", "Court order"
        UNCOLLECTIBLE = "uncollectible", "Uncollectible"

    class Kind(models.TextChoices):
        CANCEL = "cancel", "Cancelled"
        WRITE_DOWN = "write_down", "Written down"

    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="adjustments")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    reason = models.CharField(max_length=16, choices=Reason.choices)
    note = models.CharField(max_length=300)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    # What the amount took off each part of the bill (penalty, then interest, then principal).
    penalty = models.DecimalField(max_digits=14, decimal_places=2)
    interest = models.DecimalField(max_digits=14, decimal_places=2)
    principal = models.DecimalField(max_digits=14, decimal_places=2)
    balance_after = models.DecimalField(max_digits=14, decimal_places=2)
    written_off = models.BooleanField(
        help_text="Debited to the write-off expense account (else back out of revenue)."
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    entry = models.OneToOneField("ledger.JournalEntry", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(db_default=Now())
    # The form's one-time token: submitting it again finds this adjustment.
    token = models.UUIDField(unique=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="bill_adjustment_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    amount=models.F("penalty") + models.F("interest") + models.F("principal"),
                    penalty__gte=0,
                    interest__gte=0,
                    principal__gte=0,
                    balance_after__gte=0,
                ),
                name="bill_adjustment_parts_add_up",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="write_down") | models.Q(balance_after=0),
                name="bill_cancellation_leaves_nothing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} bill {self.bill.number}: {self.amount}"


class TicketAppeal(models.Model):
    """A parking ticket's appeal opened or decided: while one is pending no late fee accrues."""

    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="appeals")
    pending = models.BooleanField(help_text="True when the appeal was opened, False when decided.")
    note = models.CharField(max_length=300)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["-recorded_at", "-id"]
        permissions = [("record_appeal", "Can record parking ticket appeals")]

    def __str__(self) -> str:
        return f"Appeal {'opened' if self.pending else 'decided'} on {self.bill.number}"


class ImportBatch(models.Model):
    """One file imported from a billing system; the same file twice is refused, not re-posted."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "Imported"
        REJECTED = "rejected", "Rejected (nothing imported)"

    source = models.CharField(max_length=10)
    filename = models.CharField(max_length=255)
    sha256 = models.CharField(max_length=64)
    # The upload form's one-time token: the page polls the import's progress by it.
    token = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    stage = models.CharField(max_length=20, default="checking")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    bills_created = models.PositiveIntegerField(default=0)
    amount_total = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    errors = models.JSONField(default=list, blank=True)
    entry = models.ForeignKey(
        "ledger.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(db_default=Now())
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "import batches"
        ordering = ["-created_at"]
        permissions = [("import_bills", "Can import bills from the billing systems")]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "sha256"],
                condition=models.Q(status="done"),
                name="import_file_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.source} import {self.filename}"


# The longest a certificate may be good through after its date of issue.
LIEN_GOOD_THROUGH_MAX = timedelta(days=90)

DEFAULT_CERTIFICATION_STATEMENT = (
    "I certify that the items listed above are all the unpaid taxes, assessments and charges "
    "that are liens on this parcel according to the records of this office, with the penalty "
    "and interest that will have accrued on them through the good-through date if paid on that "
    "date. Charges billed after the date of issue of this certificate are not included."
)


def _default_lien_bill_types() -> list[str]:
    return [BillType.PROPERTY_TAX.value]


@tracked()
class LienTerms(models.Model):
    """What the office counts as a lien when it certifies a list of liens, the fee it charges
    for the search, and the statement the officer signs. One row (an Admin edits it)."""

    lien_bill_types = ArrayField(
        models.CharField(max_length=12, choices=BillType.choices),
        default=_default_lien_bill_types,
        blank=True,
        help_text=(
            "Bill types every bill of which is a lien on its parcel (property tax). Other "
            "bills are liens only through a charge type marked as a lien."
        ),
    )
    fee_type = models.ForeignKey(
        FeeType,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The fee the counter sells for a certified list of liens (the lien search).",
    )
    certification_statement = models.TextField(default=DEFAULT_CERTIFICATION_STATEMENT)

    class Meta:
        verbose_name = "lien terms"
        verbose_name_plural = "lien terms"
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="lien_terms_one_row")]

    def __str__(self) -> str:
        return "Lien terms"


@tracked()
class StaffTitle(models.Model):
    """The title an officer signs certificates with ("Deputy City Chamberlain")."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_title"
    )
    title = models.CharField(max_length=120)

    class Meta:
        ordering = ["user__last_name", "user__first_name"]

    def __str__(self) -> str:
        return f"{self.user}: {self.title}"


class LienCertificate(models.Model):
    """A certified list of liens on a parcel, good through a date: numbered gaplessly per year
    (LC-2026-000123; training drawers number their own series, TR-LC-...), with a snapshot of
    the parcel, its owners, the officer and every item as certified, and a random verification
    code printed with a QR code. Append-only (a trigger refuses UPDATE and DELETE,
    migrations/0054_lien_certificates.sql): a sale voided makes it VOID, nothing is deleted."""

    training = models.BooleanField(default=False)
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    property = models.ForeignKey(
        Property, on_delete=models.PROTECT, related_name="lien_certificates"
    )
    good_through = models.DateField()
    issued_on = models.DateField(help_text="The business date it was issued.")
    issued_at = models.DateTimeField(db_default=Now())
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    parcel_number = models.CharField(max_length=30)
    address = models.CharField(max_length=300)
    owners = models.TextField(help_text="The owners of record when issued, one a line.")
    officer_name = models.CharField(max_length=300)
    officer_title = models.CharField(max_length=200)
    statement = models.TextField()
    verification_code = models.CharField(max_length=10, unique=True)
    principal = models.DecimalField(max_digits=14, decimal_places=2)
    penalty = models.DecimalField(max_digits=14, decimal_places=2)
    interest = models.DecimalField(max_digits=14, decimal_places=2)
    payoff = models.DecimalField(max_digits=14, decimal_places=2)
    notes = models.TextField(
        blank=True,
        db_default="",
        help_text="What the certificate says of the parcel's payment plans (RPTL 1184).",
    )

    class Meta:
        ordering = ["-issued_at", "-id"]
        permissions = [("issue_lien_certificate", "Can issue certified lists of liens")]
        constraints = [
            models.UniqueConstraint(
                fields=["training", "year", "sequence"], name="lien_certificate_number_once"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    principal__gte=0,
                    penalty__gte=0,
                    interest__gte=0,
                    payoff=models.F("principal") + models.F("penalty") + models.F("interest"),
                ),
                name="lien_certificate_payoff_is_its_parts",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    good_through__gte=models.F("issued_on"),
                    good_through__lte=models.ExpressionWrapper(
                        models.F("issued_on") + LIEN_GOOD_THROUGH_MAX,
                        output_field=models.DateField(),
                    ),
                ),
                name="lien_certificate_good_through_in_range",
            ),
        ]
        indexes = [models.Index(fields=["property", "-issued_at"])]

    def __str__(self) -> str:
        return f"Lien certificate {self.number}"

    def get_absolute_url(self) -> str:
        return reverse("billing:lien_certificate", args=[self.pk])

    @builtins.property
    def number(self) -> str:
        """The printed number: LC-2026-000123, or TR-LC-2026-000123 for training."""
        return f"{'TR-' if self.training else ''}LC-{self.year}-{self.sequence:06d}"

    @builtins.property
    def code_display(self) -> str:
        """The verification code as printed, in groups: 7K3Q-M9PX-T2."""
        code = self.verification_code
        return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


class LienCertificateItem(models.Model):
    """One unpaid lien as certified: the bill and its amounts through the good-through date.
    Append-only, like its certificate."""

    certificate = models.ForeignKey(LienCertificate, on_delete=models.PROTECT, related_name="items")
    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=300, help_text="City tax, relevied water, ...")
    description = models.CharField(max_length=300)
    detail = models.CharField(max_length=500, blank=True, help_text="The principal billed, split.")
    principal = models.DecimalField(max_digits=14, decimal_places=2)
    penalty = models.DecimalField(max_digits=14, decimal_places=2)
    interest = models.DecimalField(max_digits=14, decimal_places=2)
    total = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    principal__gte=0,
                    penalty__gte=0,
                    interest__gte=0,
                    total__gt=0,
                    total=models.F("principal") + models.F("penalty") + models.F("interest"),
                ),
                name="lien_item_total_is_its_parts",
            )
        ]

    def __str__(self) -> str:
        return f"{self.description}: {self.total}"


class VerifyThrottle(models.Model):
    """How many times one client asked the public verification page in the current minute: a
    counter every app server shares (PostgreSQL), raised by one atomic statement
    (billing.services.verify_throttle_hit)."""

    client = models.CharField(max_length=64, primary_key=True, help_text="A hash of the address.")
    window_start = models.DateTimeField()
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["window_start"])]

    def __str__(self) -> str:
        return f"{self.client}: {self.hits} since {self.window_start}"


# Delinquent-tax payment plans (RPTL §1184)


def _percent_field(verbose_name: str, default: str, help_text: str) -> models.DecimalField:
    return models.DecimalField(
        verbose_name, max_digits=6, decimal_places=3, default=default, help_text=help_text
    )


class PlanTermsFields(models.Model):
    """The terms of a payment plan: the ones in force (PlanTerms), copied onto each plan when
    it is enrolled, so a later change never shifts an existing plan."""

    max_down_payment_percent = _percent_field(
        "largest down payment (percent)",
        "25.000",
        "RPTL 1184: the down payment may be required up to this percent of the delinquent total.",
    )
    max_installments = models.PositiveSmallIntegerField(
        "most monthly installments", default=24, help_text="RPTL 1184: up to 24 months."
    )
    late_interest_percent = _percent_field(
        "late interest (percent per month)",
        "1.000",
        "On a late installment's unpaid amount, for each month or portion thereof (as RPTL "
        "924-a counts months).",
    )
    late_charge_percent = _percent_field(
        "late charge (percent)", "5.000", "One time, on an installment's unpaid amount."
    )
    late_charge_after_days = models.PositiveSmallIntegerField(
        "late charge after (days)",
        default=15,
        help_text="Days after the due date before the late charge applies.",
    )
    default_after_days = models.PositiveSmallIntegerField(
        "default after (days late)",
        default=30,
        help_text="A plan with an installment more than this many days late is in default: its "
        "bills owe again as if there had been no plan.",
    )

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    max_down_payment_percent__gte=0,
                    max_down_payment_percent__lte=100,
                    max_installments__gte=1,
                    late_interest_percent__gte=0,
                    late_charge_percent__gte=0,
                ),
                name="%(class)s_terms_sane",
                violation_error_message="Percents are from 0 to 100 and a plan has at least one "
                "installment.",
            )
        ]


@tracked()
class PlanTerms(PlanTermsFields):
    """The payment plan terms in force: one row, edited by an Admin (RPTL §1184 and the local
    law adopting it). Each plan keeps a copy of the terms it was enrolled under."""

    singleton = models.BooleanField(default=True, unique=True, editable=False)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta(PlanTermsFields.Meta):
        verbose_name = "payment plan terms"
        verbose_name_plural = "payment plan terms"
        constraints = [
            *PlanTermsFields.Meta.constraints,
            models.CheckConstraint(condition=models.Q(singleton=True), name="plan_terms_one_row"),
        ]

    def __str__(self) -> str:
        return (
            f"Down payment up to {self.max_down_payment_percent}%, up to "
            f"{self.max_installments} installments"
        )


class PaymentPlan(PlanTermsFields):
    """A parcel's delinquent tax bills paid by installments under an agreement the taxpayer
    signs (RPTL §1184). Its schedule (PlanInstallment) is never edited; only `status` changes.
    Being in default is computed from the schedule and the payments (billing.selectors), never
    stored by a read."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        COMPLETED = "completed", "Completed"
        CANCELLED = "cancelled", "Cancelled"

    number = models.CharField(max_length=20, unique=True)
    property = models.ForeignKey(Property, on_delete=models.PROTECT, related_name="payment_plans")
    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        related_name="payment_plans",
        help_text="The taxpayer who signs the agreement.",
    )
    enrolled_on = models.DateField()
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    total = models.DecimalField(
        "delinquent total", max_digits=14, decimal_places=2, help_text="Owed on enrolment."
    )
    down_payment = models.DecimalField(max_digits=14, decimal_places=2)
    installment_count = models.PositiveSmallIntegerField("monthly installments")
    token = models.UUIDField(unique=True, editable=False)
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["-enrolled_on", "-id"]
        permissions = [("enroll_payment_plan", "Can enroll a parcel in a payment plan")]
        constraints = [
            *PlanTermsFields.Meta.constraints,
            models.CheckConstraint(
                condition=models.Q(total__gt=0, down_payment__gte=0)
                & models.Q(down_payment__lt=models.F("total")),
                name="plan_amounts_sane",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    down_payment__lte=models.F("total") * models.F("max_down_payment_percent") / 100
                ),
                name="plan_down_payment_within_cap",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    installment_count__gte=1,
                    installment_count__lte=models.F("max_installments"),
                ),
                name="plan_installments_within_terms",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("billing:plan", args=[self.number])


class PlanCancellation(models.Model):
    """A Supervisor ended a plan, and why (the taxpayer withdrew, it defaulted and will not be
    cured, or its bills must be waived or adjusted before a new plan). One per plan, written
    with the plan's status; never edited (a trigger refuses it)."""

    plan = models.OneToOneField(PaymentPlan, on_delete=models.PROTECT, related_name="cancellation")
    reason = models.CharField(max_length=300)
    cancelled_on = models.DateField()
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    token = models.UUIDField(unique=True, editable=False)
    created_at = models.DateTimeField(db_default=Now())

    def __str__(self) -> str:
        return f"{self.plan} cancelled {self.cancelled_on}"


class PlanBill(models.Model):
    """A bill a plan pays. A bill is in at most one active plan (a trigger refuses another)."""

    plan = models.ForeignKey(PaymentPlan, on_delete=models.PROTECT, related_name="plan_bills")
    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="plan_bills")
    owed_on_enrolment = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["plan", "bill__due_date", "bill_id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "bill"], name="plan_bill_once"),
            models.CheckConstraint(
                condition=models.Q(owed_on_enrolment__gt=0), name="plan_bill_owes"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} pays bill {self.bill_id}"


class PlanInstallment(models.Model):
    """One installment of a plan: number 0 is the down payment, due on enrolment; 1..n fall
    due the last day of each following month. Never edited (a trigger refuses it)."""

    plan = models.ForeignKey(PaymentPlan, on_delete=models.PROTECT, related_name="installments")
    number = models.PositiveSmallIntegerField()
    due_on = models.DateField()
    amount = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_installment_once"),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0), name="plan_installment_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan} installment {self.number}"


class PlanCharge(models.Model):
    """Late interest or the late charge on a late installment, assessed by a payment (posted in
    its entry as penalty or interest on the plan's oldest unpaid bill). Assessed once: it no
    longer counts when that entry was reversed (a void) or `undone_by` names the entry that took
    it back (a refund); that one column is the only update allowed."""

    class Kind(models.TextChoices):
        INTEREST = "interest", "Late interest"
        LATE_CHARGE = "late_charge", "Late charge"

    plan = models.ForeignKey(PaymentPlan, on_delete=models.PROTECT, related_name="charges")
    installment = models.ForeignKey(
        PlanInstallment, on_delete=models.PROTECT, related_name="charges"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    months = models.PositiveSmallIntegerField(
        default=0, help_text="Late interest: the months of lateness assessed through."
    )
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="+")
    entry = models.ForeignKey("ledger.JournalEntry", on_delete=models.PROTECT, related_name="+")
    undone_by = models.ForeignKey(
        "ledger.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["installment", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="plan_charge_positive")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.installment}"


class PlanPayment(models.Model):
    """What one payment applied to one bill of a plan (dollars): all it took off the bill
    (`applied`, late charges included), of which `principal` and `charges` (the plan's late
    interest and charges it paid). No longer counts when its entry was reversed (a void) or
    `undone_by` names the entry that took it back (a refund or a returned check); that one
    column is the only update allowed."""

    plan = models.ForeignKey(PaymentPlan, on_delete=models.PROTECT, related_name="payments")
    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="+")
    paid_on = models.DateField()
    applied = models.DecimalField(max_digits=14, decimal_places=2)
    principal = models.DecimalField(max_digits=14, decimal_places=2)
    charges = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    entry = models.ForeignKey("ledger.JournalEntry", on_delete=models.PROTECT, related_name="+")
    undone_by = models.ForeignKey(
        "ledger.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["paid_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(applied__gt=0, principal__gte=0, charges__gte=0)
                & models.Q(applied__gte=models.F("principal") + models.F("charges")),
                name="plan_payment_parts_add_up",
            )
        ]

    def __str__(self) -> str:
        return f"{self.applied} on bill {self.bill_id} of {self.plan}"

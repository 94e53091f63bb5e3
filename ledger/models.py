"""The double-entry ledger: chart of accounts, accounting periods, journal entries and lines.

The rules that keep the books whole live in PostgreSQL (see migrations/*.sql); the models state
the same rules as constraints so that Django's validation can give a readable message first.
"""

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, RangeOperators
from django.db import models
from django.db.models.functions import Now
from django.urls import reverse

from audit.history import tracked


class AccountType(models.TextChoices):
    ASSET = "asset", "Asset"
    LIABILITY = "liability", "Liability"
    EQUITY = "equity", "Equity"
    REVENUE = "revenue", "Revenue"
    EXPENSE = "expense", "Expense"


# Accounts whose balance is normally a debit (positive); the others are normally credits.
DEBIT_NORMAL = frozenset({AccountType.ASSET, AccountType.EXPENSE})


class Book(models.TextChoices):
    LIVE = "live", "Live"
    TRAINING = "training", "Training"


class Source(models.TextChoices):
    """What business action made an entry. Later apps add their own actions here."""

    OPENING_BALANCE = "opening_balance", "Opening balance"
    ADJUSTMENT = "adjustment", "Adjusting entry"
    REVERSAL = "reversal", "Reversal"


ACCOUNT_CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"


@tracked()
class Account(models.Model):
    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=120)
    type = models.CharField(max_length=10, choices=AccountType.choices)
    fund = models.CharField(max_length=40, default="General")
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True, help_text="Inactive accounts take no new lines.")

    class Meta:
        ordering = ["code"]
        permissions = [("view_trial_balance", "Can view the trial balance and account ledgers")]
        constraints = [
            # The code is part of the account's address (/ledger/accounts/<code>/): a "/" in it
            # made the trial balance fail for everyone.
            models.CheckConstraint(
                condition=models.Q(code__regex=ACCOUNT_CODE_PATTERN),
                name="account_code_url_safe",
                violation_error_message=(
                    "An account code is letters, digits, dots and hyphens, starting with a letter "
                    "or digit (no “/” or spaces): it is part of the account's web address."
                ),
            )
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("ledger:account", kwargs={"code": self.code})

    @property
    def is_debit_normal(self) -> bool:
        return self.type in DEBIT_NORMAL


class PeriodState(models.TextChoices):
    OPEN = "open", "Open"
    CLOSED = "closed", "Closed"


@tracked()
class AccountingPeriod(models.Model):
    name = models.CharField(max_length=40, unique=True, help_text="For example 2026-11.")
    start_date = models.DateField()
    end_date = models.DateField()
    state = models.CharField(max_length=6, choices=PeriodState.choices, default=PeriodState.OPEN)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="period_ends_after_it_starts",
                violation_error_message="A period must end on or after the day it starts.",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(state=PeriodState.OPEN, closed_at__isnull=True)
                    | models.Q(state=PeriodState.CLOSED, closed_at__isnull=False)
                ),
                name="period_closed_has_closed_at",
            ),
            ExclusionConstraint(
                name="periods_do_not_overlap",
                expressions=[
                    (
                        models.Func(
                            models.F("start_date"),
                            models.F("end_date"),
                            models.Value("[]"),
                            function="daterange",
                            output_field=DateRangeField(),
                        ),
                        RangeOperators.OVERLAPS,
                    )
                ],
                violation_error_message="This period overlaps another accounting period.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_state_display()})"


class JournalEntry(models.Model):
    entry_date = models.DateField(db_index=True)
    memo = models.CharField(max_length=255)
    source = models.CharField(max_length=40)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="journal_entries"
    )
    posted_at = models.DateTimeField(db_default=Now())
    reverses = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
        help_text="The entry this one reverses; an entry can be reversed only once.",
    )
    book = models.CharField(max_length=8, choices=Book.choices, default=Book.LIVE)

    class Meta:
        verbose_name_plural = "journal entries"
        ordering = ["-id"]
        indexes = [models.Index(fields=["book", "entry_date"])]

    def __str__(self) -> str:
        return f"Entry {self.pk} on {self.entry_date}: {self.memo}"


class JournalLine(models.Model):
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="lines")
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="lines")
    # Debit positive, credit negative.
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    memo = models.CharField(max_length=255, blank=True)
    # References to the sub-ledgers (bills, drawers). Plain ids here so that the ledger depends on
    # no other app; the apps that own those tables add the foreign keys in their migrations.
    bill_id = models.BigIntegerField(null=True, blank=True)
    drawer_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    # Customer credits (account 2100): whose credit the line moves. The customers' credits are
    # these lines summed per customer; billing's migration 0050 adds the foreign key and the
    # trigger that keeps every credit from going below zero.
    customer_id = models.BigIntegerField(null=True, blank=True)
    # Custody accounts (1030 change fund, 1035 cash in safe, 1036 checks in safe, 1040 deposits
    # in transit): which office's safe or deposits the line moves. Payments' migration 0030 adds
    # the foreign key and the trigger that keeps each office's custody from going below zero.
    office_id = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["account", "entry"]),
            # The balance trigger asks "is there a newer line in this entry?" for every line.
            models.Index(fields=["entry", "id"]),
            # A bill's receivable lines: its balance check sums them at every commit.
            models.Index(fields=["bill_id", "account"], name="ledger_line_bill_account"),
            # A customer's credit: the sum of their lines (few; most lines name no customer).
            models.Index(
                fields=["customer_id"],
                condition=models.Q(customer_id__isnull=False),
                name="ledger_line_customer",
            ),
            models.Index(
                fields=["office_id", "account"],
                condition=models.Q(office_id__isnull=False),
                name="ledger_line_office",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(amount=0), name="journal_line_amount_not_zero"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account.code} {self.amount}"

    @property
    def debit(self):
        return self.amount if self.amount > 0 else None

    @property
    def credit(self):
        return -self.amount if self.amount < 0 else None


class ReferenceVersion(models.Model):
    """One row holding the version of the reference data the posting reads on every call
    (accounts, penalty rules, holidays, fee prices, payment policies...). PostgreSQL sets it
    to a new number from a sequence on any change to those tables, in the changing transaction
    (trigger reference_version_bump, ledger migration 0031), so a number is never reused: a
    process keeps what it loaded under a number until the number moves (ledger.reference)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    version = models.BigIntegerField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="reference_version_one_row")
        ]

    def __str__(self) -> str:
        return f"reference data version {self.version}"

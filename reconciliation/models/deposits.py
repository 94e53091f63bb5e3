"""Bank deposits under dual control: prepared from the safe by one Supervisor, verified by
another, posted Dr 1040 Deposits in transit / Cr 1035 Cash in safe and 1036 Checks in safe."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Now

from ledger.models import Account
from payments.models import Office, Tender, money_field
from reconciliation.models.closing import CloseCheck


class Deposit(models.Model):
    """A deposit bag. PREPARED: counted and listed, its checks reserved (no other bag can take
    them), nothing posted yet. VERIFIED: a second Supervisor recounted it; posted, in transit.
    CANCELLED: before verification only; its checks are released. At the bank once a statement
    line is matched to it (`StatementLine.deposit`)."""

    class Status(models.TextChoices):
        PREPARED = "prepared", "Prepared, awaiting verification"
        VERIFIED = "verified", "Verified, in transit"
        CANCELLED = "cancelled", "Cancelled"

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+")
    bank_account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    bag_number = models.CharField(max_length=30)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PREPARED)
    business_date = models.DateField()
    cash_total = money_field()
    checks_total = money_field()
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    prepared_at = models.DateTimeField(db_default=Now())
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    cancel_reason = models.CharField(max_length=300, blank=True)
    entry = models.OneToOneField(
        "ledger.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    token = models.UUIDField(unique=True, editable=False)

    class Meta:
        ordering = ["-prepared_at"]
        permissions = [
            ("prepare_deposit", "Can prepare a bank deposit from the safe"),
            ("verify_deposit", "Can verify a deposit another Supervisor prepared"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "bag_number"],
                condition=~models.Q(status="cancelled"),
                name="one_live_deposit_per_bag",
                violation_error_message="Another deposit already uses this bag number.",
            ),
            models.CheckConstraint(
                condition=models.Q(cash_total__gte=0, checks_total__gte=0)
                & (models.Q(cash_total__gt=0) | models.Q(checks_total__gt=0)),
                name="deposit_not_empty",
            ),
            models.CheckConstraint(
                condition=models.Q(verified_by__isnull=True)
                | ~models.Q(verified_by=models.F("prepared_by")),
                name="deposit_dual_control",
                violation_error_message="A deposit is verified by another Supervisor.",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="verified")
                | models.Q(entry__isnull=False, verified_by__isnull=False),
                name="verified_deposit_posted",
            ),
        ]

    def __str__(self) -> str:
        return f"Deposit bag {self.bag_number} ({self.get_status_display()})"

    @property
    def total(self):
        return self.cash_total + self.checks_total


class DepositDenomination(models.Model):
    deposit = models.ForeignKey(Deposit, on_delete=models.PROTECT, related_name="denominations")
    label = models.CharField(max_length=30)
    denomination = models.DecimalField(max_digits=6, decimal_places=2)
    quantity = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.quantity} x {self.label}"


class DepositCheck(models.Model):
    """A check in a bag: a check tender, or an extra check found at a drawer's close. `released`
    when the bag is cancelled, so the check can go in another bag; a check is in at most one
    bag that is not released (also under concurrency: the unique indexes)."""

    deposit = models.ForeignKey(Deposit, on_delete=models.PROTECT, related_name="checks")
    tender = models.ForeignKey(
        Tender, null=True, blank=True, on_delete=models.PROTECT, related_name="deposit_checks"
    )
    close_check = models.ForeignKey(
        CloseCheck, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    check_number = models.CharField(max_length=12, blank=True)
    payer = models.CharField(max_length=200, blank=True)
    amount = money_field()
    released = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["tender"],
                condition=models.Q(released=False, tender__isnull=False),
                name="check_deposited_once",
                violation_error_message="This check is already in another deposit.",
            ),
            models.UniqueConstraint(
                fields=["close_check"],
                condition=models.Q(released=False, close_check__isnull=False),
                name="extra_check_deposited_once",
            ),
            models.CheckConstraint(
                condition=models.Q(tender__isnull=True) ^ models.Q(close_check__isnull=True),
                name="deposit_check_is_tender_or_extra",
            ),
        ]

    def __str__(self) -> str:
        return f"Check {self.check_number} {self.amount}"

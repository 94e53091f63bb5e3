"""Custody of cash and checks: every hand-over between drawer, safe, deposit bag and bank, with
the two people who handed over and received, and the end-of-day count of the safe."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Now

from payments.models import Drawer, Office, money_field


class CustodyTransfer(models.Model):
    """One hand-over of cash and checks, posted as one ledger entry (`entry`): who handed it
    over and who received it (two people, unless the office allows self-approval)."""

    class Kind(models.TextChoices):
        CHANGE_FUND = "change_fund", "Change fund from or to the bank"
        DRAWER_TO_SAFE = "drawer_to_safe", "Drawer to safe (close)"
        SAFE_TO_DRAWER = "safe_to_drawer", "Safe to drawer (reopen)"
        DROP = "drop", "Cash drop to safe"
        SAFE_TO_BAG = "safe_to_bag", "Safe to deposit bag"
        BAG_TO_SAFE = "bag_to_safe", "Deposit bag back to safe (cancelled)"
        BAG_TO_BANK = "bag_to_bank", "Deposit bag received by the bank"

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    cash = money_field(default=0)
    checks = money_field(default=0)
    handed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    drawer = models.ForeignKey(
        Drawer, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    deposit = models.ForeignKey(
        "reconciliation.Deposit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="transfers",
    )
    note = models.CharField(max_length=200, blank=True)
    entry = models.OneToOneField("ledger.JournalEntry", on_delete=models.PROTECT, related_name="+")
    business_date = models.DateField()
    created_at = models.DateTimeField(db_default=Now())
    token = models.UUIDField(
        null=True,
        blank=True,
        unique=True,
        editable=False,
        help_text="The one-time token of the form that asked for it (a repeat returns it).",
    )

    class Meta:
        ordering = ["-created_at"]
        permissions = [
            ("view_custody", "Can see where every dollar and check of the day is"),
            ("manage_change_fund", "Can add to or return the change fund"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: cash {self.cash}, checks {self.checks}"


class SafeCount(models.Model):
    """The safe counted at the end of the day by two people: collections cash (1035), checks
    (1036) and the change fund (1030) against what the ledger says the safe holds. A difference
    posts to 5000 Cash over/short (`entry`); beyond the tolerance a Supervisor other than the
    two counters signs off with a reason."""

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+")
    business_date = models.DateField()
    counted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    cash_counted = money_field(help_text="Collections cash in the safe (not the change fund).")
    cash_expected = money_field()
    change_fund_counted = money_field()
    change_fund_expected = money_field()
    checks_counted = money_field()
    checks_expected = money_field()
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    reason = models.TextField(blank=True)
    entry = models.OneToOneField(
        "ledger.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    counted_at = models.DateTimeField(db_default=Now())
    token = models.UUIDField(unique=True, editable=False)

    class Meta:
        ordering = ["-counted_at"]
        permissions = [("count_safe", "Can count the safe (with a second person)")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(counted_by=models.F("witness")),
                name="safe_count_two_people",
                violation_error_message="The safe is counted by two different people.",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    cash_counted__gte=0, checks_counted__gte=0, change_fund_counted__gte=0
                ),
                name="safe_count_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"Safe count of {self.business_date}"

    @property
    def difference(self):
        return (
            self.cash_counted
            - self.cash_expected
            + self.checks_counted
            - self.checks_expected
            + self.change_fund_counted
            - self.change_fund_expected
        )


class SafeCountDenomination(models.Model):
    count = models.ForeignKey(SafeCount, on_delete=models.PROTECT, related_name="denominations")
    label = models.CharField(max_length=30)
    denomination = models.DecimalField(max_digits=6, decimal_places=2)
    quantity = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.quantity} x {self.label}"

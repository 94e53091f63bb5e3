"""A drawer's close: the clerk's blind count by tender, what the drawer should have held, the
over/short, the Supervisor's sign-off beyond the tolerance, and reopenings."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Now

from billing.models import FeeType
from payments.models import Drawer, Tender, money_field


class DrawerClose(models.Model):
    """One count of a drawer at closing. `status`: COUNTED while a variance beyond the office's
    tolerance waits for a Supervisor's sign-off (the drawer is then `closing`); CLOSED once the
    close entry is posted (the drawer is `closed`); REOPENED when a Supervisor reopened the
    drawer after it (its entry was handed back by the reopen's entry). Expected amounts are what
    the drawer's ledger lines held when it was counted; over/short = counted - expected."""

    class Status(models.TextChoices):
        COUNTED = "counted", "Counted, awaiting sign-off"
        CLOSED = "closed", "Closed"
        REOPENED = "reopened", "Reopened"

    drawer = models.ForeignKey(Drawer, on_delete=models.PROTECT, related_name="closes")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.COUNTED)
    counted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Who counted: the drawer's clerk, or a Supervisor closing a drawer left open.",
    )
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Second person at a Supervisor's close of a drawer left open.",
    )
    counted_cash = money_field()
    counted_checks = money_field()
    card_batch_total = money_field(help_text="The card terminal's batch total.")
    expected_cash = money_field()
    expected_checks = money_field()
    expected_card = money_field()
    float_returned = money_field(help_text="Cash back to the change fund (the opening float).")
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    sign_off_reason = models.TextField(blank=True)
    signed_off_at = models.DateTimeField(null=True, blank=True)
    entry = models.OneToOneField(
        "ledger.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    counted_at = models.DateTimeField(db_default=Now())
    closed_at = models.DateTimeField(null=True, blank=True)
    business_date = models.DateField(help_text="The office day the close is posted on.")
    token = models.UUIDField(unique=True, editable=False)

    class Meta:
        ordering = ["-counted_at"]
        permissions = [
            ("close_any_drawer", "Can close a drawer left open, with a witness"),
            ("sign_off_variance", "Can sign off an over/short beyond the tolerance"),
            ("reopen_drawer", "Can reopen a closed drawer, with a reason"),
        ]
        constraints = [
            # One count in progress or standing per drawer; reopened ones are history.
            models.UniqueConstraint(
                fields=["drawer"],
                condition=~models.Q(status="reopened"),
                name="one_standing_close_per_drawer",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    counted_cash__gte=0,
                    counted_checks__gte=0,
                    card_batch_total__gte=0,
                    float_returned__gte=0,
                ),
                name="close_counts_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(status="counted")
                | models.Q(entry__isnull=False)
                | models.Q(
                    counted_cash=0,
                    counted_checks=0,
                    card_batch_total=0,
                    expected_cash=0,
                    expected_checks=0,
                    expected_card=0,
                ),
                name="closed_close_has_entry",
            ),
        ]

    def __str__(self) -> str:
        return f"Close of drawer {self.drawer_id} ({self.get_status_display()})"

    @property
    def cash_over_short(self):
        return self.counted_cash - self.expected_cash

    @property
    def checks_over_short(self):
        return self.counted_checks - self.expected_checks

    @property
    def card_over_short(self):
        return self.card_batch_total - self.expected_card

    @property
    def over_short(self):
        """Cash, checks and card together: what posts to 5000 Cash over/short."""
        return self.cash_over_short + self.checks_over_short + self.card_over_short


class CloseDenomination(models.Model):
    """Cash counted at closing: how many of each note and coin (payments.models.DENOMINATIONS)."""

    close = models.ForeignKey(DrawerClose, on_delete=models.PROTECT, related_name="denominations")
    label = models.CharField(max_length=30)
    denomination = models.DecimalField(max_digits=6, decimal_places=2)
    quantity = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["close", "label"], name="close_one_count_per_denomination"
            )
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.label}"


class CloseCheck(models.Model):
    """A check in the count: PRESENT (ticked against a recorded check tender), MISSING (recorded
    but not in the drawer: posts to over/short), EXTRA (in the drawer but recorded on no receipt:
    named, goes to the safe with the rest, posts to over/short as an overage)."""

    class State(models.TextChoices):
        PRESENT = "present", "Present"
        MISSING = "missing", "Missing"
        EXTRA = "extra", "Extra (on no receipt)"

    close = models.ForeignKey(DrawerClose, on_delete=models.PROTECT, related_name="checks")
    tender = models.ForeignKey(
        Tender, null=True, blank=True, on_delete=models.PROTECT, related_name="close_checks"
    )
    state = models.CharField(max_length=8, choices=State.choices)
    check_number = models.CharField(max_length=12, blank=True)
    payer = models.CharField(max_length=200, blank=True)
    amount = money_field()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="close_check_positive"),
            models.CheckConstraint(
                condition=models.Q(state="extra", tender__isnull=True)
                | (~models.Q(state="extra") & models.Q(tender__isnull=False)),
                name="close_check_tender_unless_extra",
            ),
        ]

    def __str__(self) -> str:
        return f"Check {self.check_number} {self.amount} ({self.get_state_display()})"


class CloseStock(models.Model):
    """Tags and permit cards at closing: what the drawer should hold against what was counted."""

    close = models.ForeignKey(DrawerClose, on_delete=models.PROTECT, related_name="stock")
    fee_type = models.ForeignKey(FeeType, on_delete=models.PROTECT, related_name="+")
    expected = models.IntegerField()
    counted = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.fee_type_id}: {self.counted} of {self.expected}"


class DrawerReopen(models.Model):
    """A Supervisor reopened a closed drawer, with a reason; `entry` hands back what the close
    moved out of it (the close's entry, reversed line for line)."""

    drawer = models.ForeignKey(Drawer, on_delete=models.PROTECT, related_name="reopens")
    close = models.OneToOneField(DrawerClose, on_delete=models.PROTECT, related_name="reopen")
    reason = models.TextField()
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reopened_at = models.DateTimeField(db_default=Now())
    entry = models.OneToOneField(
        "ledger.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    token = models.UUIDField(unique=True, editable=False)

    def __str__(self) -> str:
        return f"Drawer {self.drawer_id} reopened"

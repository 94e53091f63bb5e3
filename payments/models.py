"""The counter: offices and windows, drawers (a clerk's till session), payments with their items
and tenders, receipts, voids, refunds, returned checks and supervisor approvals.

Money moves only through `payments.services`; every movement is also a balanced ledger entry
whose lines name the drawer (a foreign key added in migrations/0002_drawer_fk.sql)."""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.functions import Now
from django.urls import reverse

from audit.history import tracked
from billing.models import Bill, BillType, Customer, FeeType, LienCertificate
from ledger.models import Book


def money_field(*args: Any, **options: Any) -> models.DecimalField:
    """NUMERIC(14,2): every amount of money in the app."""
    numeric: dict[str, Any] = {"max_digits": 14, "decimal_places": 2, **options}
    return models.DecimalField(*args, **numeric)


# What a drawer is counted in: notes and coins, largest first.
DENOMINATIONS: tuple[tuple[Decimal, str], ...] = (
    (Decimal("100.00"), "$100 bills"),
    (Decimal("50.00"), "$50 bills"),
    (Decimal("20.00"), "$20 bills"),
    (Decimal("10.00"), "$10 bills"),
    (Decimal("5.00"), "$5 bills"),
    (Decimal("2.00"), "$2 bills"),
    (Decimal("1.00"), "$1 bills"),
    (Decimal("1.00"), "$1 coins"),
    (Decimal("0.50"), "Half dollars"),
    (Decimal("0.25"), "Quarters"),
    (Decimal("0.10"), "Dimes"),
    (Decimal("0.05"), "Nickels"),
    (Decimal("0.01"), "Pennies"),
)


@tracked()
class Office(models.Model):
    """A counter office; receipts are numbered per office and year."""

    code = models.CharField(max_length=8, unique=True, help_text="Printed in receipt numbers.")
    name = models.CharField(max_length=120)
    address = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    allow_self_approval = models.BooleanField(
        default=False,
        help_text="Only where one Supervisor works alone: they may approve their own voids, "
        "refunds, overrides and pickups. Off, a second person must approve (dual control).",
    )
    check_clearing_days = models.PositiveSmallIntegerField(
        default=10,
        help_text="Business days after a check is taken before what it paid may be refunded "
        "in cash or by city check (until then the bank may still return it).",
    )
    blind_close = models.BooleanField(
        default=True,
        help_text="Clerks count their drawer at closing without seeing what it should hold "
        "(their drawer page hides it too); expected and counted show after they submit.",
    )
    over_short_tolerance = money_field(
        default=Decimal("5.00"),
        help_text="A drawer or safe count off by more than this needs a Supervisor's sign-off "
        "(another person than the one who counted), with a reason.",
    )
    idle_timeout_minutes = models.PositiveSmallIntegerField(
        "Idle sign-out (minutes)",
        default=15,
        help_text="A signed-in session with no activity for this many minutes is signed out "
        "(a warning shows a minute before). 1 to 480.",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(idle_timeout_minutes__gte=1, idle_timeout_minutes__lte=480),
                name="office_idle_timeout_range",
                violation_error_message="The idle sign-out is 1 to 480 minutes.",
            ),
            models.CheckConstraint(
                condition=models.Q(over_short_tolerance__gte=0),
                name="office_tolerance_not_negative",
                violation_error_message="The over/short tolerance is $0.00 or more.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ReceiptSeries(models.Model):
    """The gapless receipt numbers of one office, book and year: the row is locked by the payment
    that takes a number, until it commits. Keyed by the office itself, not its code, so an office
    whose code is renamed keeps counting where it was (the code is only printed)."""

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="receipt_series")
    training = models.BooleanField(default=False)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = "receipt series"
        ordering = ["office", "training", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "training", "year"], name="receipt_series_per_office_year"
            )
        ]

    def __str__(self) -> str:
        book = " (training)" if self.training else ""
        return f"{self.office.code} {self.year}{book}: {self.last_number}"


@tracked()
class Workstation(models.Model):
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="workstations")
    name = models.CharField(max_length=60, help_text="For example Window 1.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["office", "name"]
        constraints = [
            models.UniqueConstraint(fields=["office", "name"], name="workstation_name_per_office")
        ]

    def __str__(self) -> str:
        return f"{self.office.code} {self.name}"


class TenderKind(models.TextChoices):
    CASH = "cash", "Cash"
    CHECK = "check", "Check"
    CARD = "card", "Card"
    # The customer's credit on account (an earlier overpayment), spent like money: Dr 2100.
    CREDIT = "credit", "Credit on account"


@tracked()
class PaymentPolicy(models.Model):
    """What the counter accepts for one kind of bill or fee; Admins set it, Supervisors may
    override it for one visit (recorded with the payment)."""

    class AppliesTo(models.TextChoices):
        PROPERTY_TAX = BillType.PROPERTY_TAX.value, "Property tax bills"
        WATER_SEWER = BillType.WATER_SEWER.value, "Water & sewer bills"
        PARKING = BillType.PARKING.value, "Parking tickets"
        INVOICE = BillType.INVOICE.value, "Miscellaneous invoices"
        FEES = "fees", "Fees and sales (tags, permits, certificates)"

    applies_to = models.CharField(max_length=20, choices=AppliesTo.choices, unique=True)
    partial_allowed = models.BooleanField(
        default=True, help_text="A bill may be paid in part; what is left stays owed."
    )
    overpayment_allowed = models.BooleanField(
        default=False, help_text="More than is owed may be taken, the rest kept as a credit."
    )
    accepts_cash = models.BooleanField(default=True)
    accepts_check = models.BooleanField(default=True)
    accepts_card = models.BooleanField(default=True)
    cash_only_when_boot_eligible = models.BooleanField(
        default=False, help_text="Parking: a boot-eligible vehicle's tickets are paid in cash."
    )

    class Meta:
        verbose_name_plural = "payment policies"
        ordering = ["applies_to"]

    def __str__(self) -> str:
        return self.get_applies_to_display()

    def accepts(self, kind: str) -> bool:
        return {
            TenderKind.CASH: self.accepts_cash,
            TenderKind.CHECK: self.accepts_check,
            TenderKind.CARD: self.accepts_card,
            TenderKind.CREDIT: True,  # the City's own money: always accepted
        }[TenderKind(kind)]


class Drawer(models.Model):
    """A clerk's till from opening to closing: one open drawer per clerk and per window. A
    remittance batch has a drawer of its own (kind remittance) that only groups its receipts:
    no float, closed from the start (it never holds money, so no query for open drawers finds
    it), never counted."""

    class Kind(models.TextChoices):
        COUNTER = "counter", "Counter"
        REMITTANCE = "remittance", "Remittance batch"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        # Counted at closing, off by more than the tolerance: takes no payment and waits for a
        # Supervisor's sign-off (reconciliation.services.drawer_close_sign_off).
        CLOSING = "closing", "Counted, awaiting sign-off"
        CLOSED = "closed", "Closed"

    clerk = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    workstation = models.ForeignKey(Workstation, on_delete=models.PROTECT, related_name="drawers")
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="drawers")
    training = models.BooleanField(
        default=False, help_text="Training mode: postings go to the training book only."
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.COUNTER)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    opening_float = money_field()
    opened_at = models.DateTimeField(db_default=Now())
    opened_on = models.DateField()
    closed_at = models.DateTimeField(null=True, blank=True)
    token = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    opening_entry = models.OneToOneField(
        "ledger.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-opened_at"]
        permissions = [
            ("take_payment", "Can open a drawer and take payments"),
            ("work_unsupervised", "Takes payments without a Supervisor's review (not a trainee)"),
            ("pickup_cash", "Can pick up cash from a clerk's drawer"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["clerk"],
                condition=models.Q(status="open", kind="counter"),
                name="one_open_drawer_per_clerk",
            ),
            models.UniqueConstraint(
                fields=["workstation"],
                condition=models.Q(status="open", kind="counter"),
                name="one_open_drawer_per_workstation",
            ),
            models.CheckConstraint(
                condition=models.Q(opening_float__gte=0), name="drawer_float_not_negative"
            ),
        ]

    def __str__(self) -> str:
        mode = " (training)" if self.training else ""
        return f"Drawer {self.pk}{mode}: {self.clerk} at {self.workstation}"

    @property
    def book(self) -> str:
        return Book.TRAINING if self.training else Book.LIVE


class DenominationCount(models.Model):
    """How many of one note or coin a drawer held when counted."""

    class Stage(models.TextChoices):
        OPENING = "opening", "Opening"
        CLOSING = "closing", "Closing"

    drawer = models.ForeignKey(Drawer, on_delete=models.CASCADE, related_name="counts")
    stage = models.CharField(max_length=8, choices=Stage.choices)
    label = models.CharField(max_length=30)
    denomination = models.DecimalField(max_digits=6, decimal_places=2)
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["drawer", "stage", "-denomination", "label"]
        constraints = [
            models.UniqueConstraint(
                fields=["drawer", "stage", "label"], name="one_count_per_denomination"
            )
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.label}"

    @property
    def amount(self) -> Decimal:
        return self.denomination * self.quantity


class StockCount(models.Model):
    """Trash tags and permit cards in a drawer are sold like cash, so they are counted too."""

    drawer = models.ForeignKey(Drawer, on_delete=models.CASCADE, related_name="stock_counts")
    stage = models.CharField(max_length=8, choices=DenominationCount.Stage.choices)
    fee_type = models.ForeignKey(FeeType, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["drawer", "stage", "fee_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["drawer", "stage", "fee_type"], name="one_stock_count_per_fee_type"
            )
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.fee_type}"


class CashMovement(models.Model):
    """Cash taken out of an open drawer into the safe: a clerk's drop or a supervisor's pickup."""

    class Kind(models.TextChoices):
        DROP = "drop", "Cash drop to the safe"
        PICKUP = "pickup", "Supervisor pickup"

    drawer = models.ForeignKey(Drawer, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    amount = money_field()
    note = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    witnessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(db_default=Now())
    entry = models.OneToOneField("ledger.JournalEntry", on_delete=models.PROTECT, related_name="+")
    token = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="movement_positive")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.amount} from drawer {self.drawer_id}"


class Payment(models.Model):
    """One customer visit posted at the counter: its items, tenders and receipt."""

    class Status(models.TextChoices):
        POSTED = "posted", "Posted"
        VOIDED = "voided", "Voided"
        REFUNDED = "refunded", "Refunded"
        RETURNED = "returned", "Check returned"

    drawer = models.ForeignKey(Drawer, on_delete=models.PROTECT, related_name="payments")
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="payments")
    training = models.BooleanField(default=False)
    receipt_number = models.CharField(max_length=30, unique=True)
    receipt_year = models.PositiveSmallIntegerField()
    receipt_sequence = models.PositiveIntegerField()
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    payer_name = models.CharField(max_length=200, blank=True)
    total = money_field(help_text="What the items took, credits included.")
    tendered = money_field()
    change = money_field(default=0)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.POSTED)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    posted_at = models.DateTimeField(db_default=Now())
    posted_on = models.DateField()
    # One entry per counter visit; a remittance batch's payments share the batch's entry.
    entry = models.ForeignKey("ledger.JournalEntry", on_delete=models.PROTECT, related_name="+")
    # The cart form's one-time token and a digest of the cart it carried: a repeated submit of
    # the same cart returns this payment; the same token with another cart is refused.
    token = models.UUIDField(unique=True, editable=False)
    cart_digest = models.CharField(max_length=64)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    overrides = models.JSONField(default=list, blank=True, help_text="Policies overridden.")
    needs_review = models.BooleanField(default=False, help_text="Taken by a trainee.")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reprints = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-id"]
        permissions = [
            ("approve_payment", "Can approve voids, refunds and overrides (supervisor)"),
            ("record_returned_check", "Can record a returned (NSF) check"),
            ("review_payment", "Can review trainees' payments"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "training", "receipt_year", "receipt_sequence"],
                name="receipt_sequence_once",
            ),
            models.CheckConstraint(condition=models.Q(total__gt=0), name="payment_positive"),
            models.CheckConstraint(
                condition=models.Q(change__gte=0, tendered__gte=models.F("total")),
                name="payment_tendered_covers_total",
            ),
            models.CheckConstraint(
                condition=models.Q(tendered=models.F("total") + models.F("change")),
                name="payment_tendered_is_total_plus_change",
            ),
        ]
        indexes = [
            models.Index(
                fields=["needs_review"],
                condition=models.Q(needs_review=True),
                name="payment_to_review",
            )
        ]

    def __str__(self) -> str:
        return f"Receipt {self.receipt_number}"

    def get_absolute_url(self) -> str:
        return reverse("payments:payment", args=[self.receipt_number])

    @property
    def book(self) -> str:
        return Book.TRAINING if self.training else Book.LIVE


class PaymentItem(models.Model):
    """What one line of the visit paid: a bill (split into its parts) or a fee sale."""

    class Kind(models.TextChoices):
        BILL = "bill", "Bill"
        FEE = "fee", "Fee"

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="items")
    kind = models.CharField(max_length=4, choices=Kind.choices)
    description = models.CharField(max_length=200)
    bill = models.ForeignKey(
        Bill, null=True, blank=True, on_delete=models.PROTECT, related_name="payment_items"
    )
    fee_type = models.ForeignKey(
        FeeType, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A bill paid as part of a payment plan's installments (billing.PaymentPlan, RPTL 1184).
    plan = models.ForeignKey(
        "billing.PaymentPlan",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payment_items",
    )
    quantity = models.PositiveIntegerField(default=1)
    unit_price = money_field(null=True, blank=True)
    plate = models.CharField(max_length=10, blank=True)
    plate_state = models.CharField(max_length=2, blank=True)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    amount = money_field(help_text="All this item took, credit included.")
    penalty_assessed = money_field(default=0)
    interest_assessed = money_field(default=0)
    penalty_paid = money_field(default=0)
    interest_paid = money_field(default=0)
    principal_paid = money_field(default=0)
    credit = money_field(default=0, help_text="Overpayment kept as a credit.")
    balance_after = money_field(null=True, blank=True)
    # The bill's assessment counters before this payment, restored by a void.
    penalty_events_before = models.PositiveSmallIntegerField(null=True, blank=True)
    interest_months_before = models.PositiveSmallIntegerField(null=True, blank=True)
    # A lien search sold: the certificate it issued (billing.services.lien_certificate_issue).
    lien_certificate = models.OneToOneField(
        LienCertificate,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payment_item",
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="bill", bill__isnull=False, fee_type__isnull=True)
                    | models.Q(kind="fee", bill__isnull=True, fee_type__isnull=False)
                ),
                name="payment_item_is_bill_or_fee",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    amount=models.F("penalty_paid")
                    + models.F("interest_paid")
                    + models.F("principal_paid")
                    + models.F("credit")
                )
                | models.Q(kind="fee"),
                name="payment_item_parts_add_up",
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="item_positive"),
            models.CheckConstraint(
                condition=models.Q(lien_certificate__isnull=True) | models.Q(kind="fee"),
                name="payment_item_certificate_is_a_fee_sale",
            ),
        ]
        indexes = [models.Index(fields=["bill", "payment"])]

    def __str__(self) -> str:
        return self.description

    @property
    def paid_to_bill(self) -> Decimal:
        return self.penalty_paid + self.interest_paid + self.principal_paid


class Tender(models.Model):
    """How the customer paid: the card terminal charges cards, so only what identifies the
    charge is kept (never the card number)."""

    class Brand(models.TextChoices):
        VISA = "visa", "Visa"
        MASTERCARD = "mastercard", "Mastercard"
        AMEX = "amex", "American Express"
        DISCOVER = "discover", "Discover"

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="tenders")
    kind = models.CharField(max_length=8, choices=TenderKind.choices)
    amount = money_field(help_text="Cash: what was handed over.")
    check_number = models.CharField(max_length=12, blank=True)
    check_payer = models.CharField(max_length=200, blank=True)
    card_brand = models.CharField(max_length=12, choices=Brand.choices, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    authorization_code = models.CharField(max_length=12, blank=True)
    terminal_reference = models.CharField(max_length=30, blank=True)
    returned = models.BooleanField(default=False, help_text="Checks: returned unpaid (NSF).")

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="tender_positive"),
            models.CheckConstraint(
                condition=~models.Q(kind="card") | models.Q(card_last4__regex=r"^[0-9]{4}$"),
                name="card_tender_keeps_last_four_only",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="check") | ~models.Q(check_number=""),
                name="check_tender_has_number",
            ),
        ]

    def __str__(self) -> str:
        if self.kind == TenderKind.CARD:
            return f"{self.get_card_brand_display()} ending {self.card_last4}"
        if self.kind == TenderKind.CHECK:
            return f"Check {self.check_number}"
        if self.kind == TenderKind.CREDIT:
            return "Credit on account"
        return "Cash"


class PaymentReversal(models.Model):
    """A void, a refund (whole or partial) or one returned check. A payment has at most one
    void, and each check tender is returned at most once (the database refuses a second); a
    payment may have several partial refunds and returned checks."""

    class Kind(models.TextChoices):
        VOID = "void", "Void"
        REFUND = "refund", "Refund"
        RETURNED_CHECK = "returned_check", "Returned check (NSF)"

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="reversals")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    reason = models.TextField()
    amount = money_field(help_text="Refunds: paid back. Returned checks: the check's amount.")
    taken_back = money_field(
        default=0, help_text="What this took back from the payment's items (bills reopened)."
    )
    card_amount = money_field(default=0, help_text="Refunds: the part put back on the card.")
    # A refund form's one-time token: a repeated submit finds this refund instead of paying twice.
    token = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    credit_amount = money_field(
        default=0, help_text="Refunds: the part put back on account (what credit on account paid)."
    )
    city_check_number = models.CharField(
        max_length=20, blank=True, help_text="Refunds paid by city check: its number."
    )
    tender = models.OneToOneField(
        "Tender",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="return_record",
        help_text="Returned checks: the check the bank returned.",
    )
    billed = money_field(
        default=0,
        help_text="Returned checks: the part no longer applied to a bill (refunded before), "
        "billed on the fee bill with the fee.",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    drawer = models.ForeignKey(
        Drawer,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Refunds: the drawer the money was paid out of.",
    )
    entry = models.OneToOneField(
        "ledger.JournalEntry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty only for a returned check whose payment had been refunded in full: "
        "the fee bill's entry then carries the bank's side.",
    )
    fee_bill = models.ForeignKey(
        Bill,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Returned checks: the bill for the returned-check fee.",
    )
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["payment"], condition=models.Q(kind="void"), name="one_void_per_payment"
            ),
            models.CheckConstraint(
                condition=models.Q(
                    amount__gt=0,
                    taken_back__gte=0,
                    card_amount__gte=0,
                    credit_amount__gte=0,
                    billed__gte=0,
                )
                & models.Q(
                    taken_back__lte=models.F("amount"),
                    card_amount__lte=models.F("amount"),
                    credit_amount__lte=models.F("amount") - models.F("card_amount"),
                ),
                name="reversal_amounts_in_range",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="returned_check") | models.Q(tender__isnull=False),
                name="returned_check_names_its_tender",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="returned_check") | models.Q(entry__isnull=False),
                name="reversal_posts_an_entry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.payment}"

    @property
    def paid_by(self) -> str:
        """Refunds: how the money went back, in the office's words."""
        ways = []
        if self.card_amount:
            ways.append("to the card")
        if self.credit_amount:
            ways.append("back on account")
        rest = self.amount - self.card_amount - self.credit_amount
        if rest and self.city_check_number:
            ways.append(f"by city check {self.city_check_number}")
        elif rest:
            ways.append("in cash")
        return " and ".join(ways)


def check_writer_key(name: str) -> str:
    """A check writer's name as compared: capitals, letters and digits only, one space between
    words ("Dana  Whitfield." and "DANA WHITFIELD" are one writer)."""
    words = "".join(ch if ch.isalnum() else " " for ch in name.upper()).split()
    return " ".join(words)


class CheckWriterFlag(models.Model):
    """A check writer whose check came back unpaid: no checks are taken from that name again,
    whichever customer record (or none) a later visit is under. Append-only (a trigger)."""

    name = models.CharField(max_length=200, help_text="The name on the returned check.")
    name_key = models.CharField(max_length=200, db_index=True)
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reversal = models.ForeignKey(PaymentReversal, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["name_key", "id"]

    def __str__(self) -> str:
        return f"Checks refused: {self.name}"


class ApprovalRequest(models.Model):
    """A void or refund waiting in the Supervisors' queue."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        APPROVED = "approved", "Approved and done"
        REJECTED = "rejected", "Rejected"

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="requests")
    kind = models.CharField(max_length=16, choices=PaymentReversal.Kind.choices[:2])
    reason = models.TextField()
    amount = money_field(
        null=True, blank=True, help_text="Refunds: the part to refund (empty: all that stands)."
    )
    by_city_check = models.BooleanField(
        default=False,
        help_text="Refunds: paid by a city check that the Supervisor writes once the customer's "
        "check has cleared, not in cash at the counter.",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(db_default=Now())
    refund_drawer = models.ForeignKey(
        Drawer, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["payment"],
                condition=models.Q(status="pending"),
                name="one_pending_request_per_payment",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of {self.payment} ({self.get_status_display()})"


class CreditRefund(models.Model):
    """A customer's credit on account paid back to them by a Supervisor: in cash out of an open
    drawer, or by a city check requested from accounts payable (Refunds payable, 2110). The
    printed record is its slip. Append-only (payments/migrations/0021_credit_refund.sql)."""

    class Method(models.TextChoices):
        CASH = "cash", "Cash from a drawer"
        CITY_CHECK = "city_check", "City check (refund request)"

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="+")
    amount = money_field()
    method = models.CharField(max_length=10, choices=Method.choices)
    drawer = models.ForeignKey(
        Drawer, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    payee = models.CharField(max_length=200, help_text="Whom the money or the check goes to.")
    reason = models.CharField(max_length=300)
    refunded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The second Supervisor (dual control); the same one only where the office allows it.
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    entry = models.OneToOneField("ledger.JournalEntry", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(db_default=Now())
    token = models.UUIDField(unique=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("refund_credit", "Can refund a customer's credit on account")]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="credit_refund_positive"),
            models.CheckConstraint(
                condition=models.Q(method="cash", drawer__isnull=False)
                | models.Q(method="city_check", drawer__isnull=True),
                name="credit_refund_cash_names_its_drawer",
            ),
        ]

    def __str__(self) -> str:
        return f"Credit refund {self.pk} to {self.customer}"

    def get_absolute_url(self) -> str:
        return reverse("payments:credit_refund_pdf", args=[self.pk])


# Remittance: payments that do not come to the window (mail, the bank's lockbox, the online
# vendor), worked in batches and posted together (payments.services.remittance).


@tracked()
class RemittanceSource(models.Model):
    """A bank lockbox or an online payment vendor that sends us files of payments: how its CSV
    is laid out (docs/remittance.md) and which bank account its deposits land in. Admin-edited."""

    class Kind(models.TextChoices):
        LOCKBOX = "lockbox", "Bank lockbox"
        VENDOR = "vendor", "Online payment vendor"

    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    column_mapping = models.JSONField(
        default=dict,
        blank=True,
        help_text="Our field -> the column header in the file (payments.remittance_files lists "
        "the fields). Empty: the documented default layout of its kind.",
    )
    date_format = models.CharField(
        max_length=20, default="%Y-%m-%d", help_text="How the file writes dates (strftime)."
    )
    has_header_row = models.BooleanField(default=True)
    bank_account = models.ForeignKey(
        "ledger.Account",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The bank account its deposits or settlements land in.",
    )
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RemittanceBatch(models.Model):
    """Payments received together: a clerk's mail batch (a control tape and the checks with
    their stubs) or one imported lockbox/vendor file. Worked in a drawer of its own; posted as
    one ledger entry, one receipt per applied item."""

    class Kind(models.TextChoices):
        MAIL = "mail", "Mail"
        LOCKBOX = "lockbox", "Lockbox file"
        VENDOR = "vendor", "Online vendor file"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        POSTED = "posted", "Posted"
        CANCELLED = "cancelled", "Cancelled"

    number = models.CharField(max_length=20, unique=True)
    kind = models.CharField(max_length=8, choices=Kind.choices)
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+")
    drawer = models.OneToOneField(Drawer, on_delete=models.PROTECT, related_name="batch")
    source = models.ForeignKey(
        RemittanceSource, null=True, blank=True, on_delete=models.PROTECT, related_name="batches"
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(db_default=Now())
    business_date = models.DateField()
    control_total = money_field()
    control_count = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    file_name = models.CharField(max_length=200, blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True)
    deposit_date = models.DateField(null=True, blank=True)
    deposit_total = money_field(null=True, blank=True, help_text="Announced by the file.")
    fee_total = money_field(default=0, help_text="Vendor files: its fees.")
    entry = models.ForeignKey(
        "ledger.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    posted_at = models.DateTimeField(null=True, blank=True)
    cancelled_reason = models.CharField(max_length=300, blank=True)
    token = models.UUIDField(unique=True, editable=False)
    post_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name_plural = "remittance batches"
        permissions = [
            ("work_remittance", "Can work mail batches and import remittance files"),
            ("resolve_remittance", "Can resolve remittance exceptions (supervisor)"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "file_sha256"],
                condition=~models.Q(file_sha256=""),
                name="remittance_file_once_per_source",
            ),
            models.CheckConstraint(
                condition=models.Q(control_total__gte=0, fee_total__gte=0),
                name="remittance_batch_totals_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(kind="mail", source__isnull=True)
                | (~models.Q(kind="mail") & models.Q(source__isnull=False)),
                name="remittance_file_batch_names_its_source",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="posted") | models.Q(entry__isnull=False),
                name="remittance_posted_batch_has_entry",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class RemittanceItem(models.Model):
    """One check with its stub (mail, lockbox) or one online payment (vendor): checked when it
    is entered, clean or an exception with a reason; applied (a receipt), held, or returned."""

    class State(models.TextChoices):
        CLEAN = "clean", "Clean"
        EXCEPTION = "exception", "Exception"
        APPLIED = "applied", "Applied"
        HELD = "held", "Held"
        RETURNED = "returned", "Returned to sender"

    class Reason(models.TextChoices):
        UNKNOWN_BILL = "unknown_bill", "No such bill"
        BILL_PAID = "bill_paid", "Bill already paid"
        AMOUNT_DIFFERS = "amount_differs", "Amount differs from what is owed"
        FLAGGED_WRITER = "flagged_writer", "Check writer flagged (returned check)"
        CLOSED_BILL = "closed_bill", "Bill cancelled or written off"
        IN_PLAN = "in_plan", "Bill is in a payment plan"
        DUPLICATE = "duplicate", "Bill paid twice in this batch"
        TENDER_REFUSED = "tender_refused", "The bill's payment policy does not take it"
        CASH_ONLY = "cash_only", "Cash only at the window (boot-eligible vehicle)"
        POSTMARK_BEFORE_BILL = "before_bill", "Postmarked before the bill was issued"

    batch = models.ForeignKey(RemittanceBatch, on_delete=models.PROTECT, related_name="items")
    sequence = models.PositiveIntegerField()
    scanline_text = models.CharField(max_length=60)
    bill = models.ForeignKey(
        Bill, null=True, blank=True, on_delete=models.PROTECT, related_name="remittance_items"
    )
    amount = money_field()
    check_number = models.CharField(max_length=12, blank=True)
    check_payer = models.CharField(max_length=200, blank=True)
    postmark = models.DateField(null=True, blank=True)
    paid_on = models.DateField(null=True, blank=True, help_text="Vendor: the payment's date.")
    card_brand = models.CharField(max_length=12, choices=Tender.Brand.choices, blank=True)
    card_last4 = models.CharField(max_length=4, blank=True)
    reference = models.CharField(max_length=30, blank=True, help_text="Vendor's reference.")
    fee = money_field(default=0, help_text="Vendor: its fee on this payment.")
    state = models.CharField(max_length=10, choices=State.choices)
    reason = models.CharField(max_length=16, choices=Reason.choices, blank=True)
    message = models.CharField(max_length=300, blank=True)
    owed_at_postmark = money_field(null=True, blank=True)
    payment = models.OneToOneField(
        Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="remittance_item"
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution_note = models.CharField(max_length=300, blank=True)
    applied_amount = money_field(null=True, blank=True)
    resolution_entry = models.ForeignKey(
        "ledger.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    token = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    resolve_token = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        ordering = ["batch", "sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "sequence"], name="remittance_item_sequence_per_batch"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gt=0, fee__gte=0), name="remittance_item_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(card_last4="") | models.Q(card_last4__regex=r"^[0-9]{4}$"),
                name="remittance_item_last_four_only",
            ),
            models.CheckConstraint(
                condition=~models.Q(state="applied") | models.Q(payment__isnull=False),
                name="remittance_applied_item_has_payment",
            ),
        ]
        indexes = [models.Index(fields=["state", "batch"])]

    def __str__(self) -> str:
        return f"{self.batch.number} #{self.sequence}"


class RemittanceImport(models.Model):
    """One upload of a lockbox or vendor file: its progress while it runs (written through a
    connection of its own, so the page polling it from any app server sees it before the
    import commits) and its outcome. Named by the upload form's one-time token. Not money: it
    may change."""

    class Stage(models.TextChoices):
        READING = "reading", "Reading the file"
        POSTING = "posting", "Checking and posting"
        DONE = "done", "Imported and posted"
        FAILED = "failed", "Refused (nothing posted)"

    token = models.UUIDField(unique=True, editable=False)
    source = models.ForeignKey(RemittanceSource, on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(max_length=200)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    rows_done = models.PositiveIntegerField(default=0)
    rows_total = models.PositiveIntegerField(default=0)
    stage = models.CharField(max_length=10, choices=Stage.choices, default=Stage.READING)
    started_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_stage_display()})"

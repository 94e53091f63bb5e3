"""What the office sends out and takes back: payment posting files for the billing systems
(each event once), the parking tickets referred to the collection vendor, and the vendor's
payments imported back."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Now

from billing.models import Bill
from payments.models import PaymentItem, PaymentReversal, money_field


class PostingSystem(models.TextChoices):
    """The billing systems that take a payment posting file, with the bill types each owns."""

    TAX = "tax", "Property tax"
    WATER = "water", "Water & sewer"
    PARKING = "parking", "Parking tickets"


class PostingExport(models.Model):
    """One payment posting file for one billing system. The file is kept as sent (`content`,
    `file_sha256`) so a download is the same file every time. EXPORTED until the billing system
    confirms it took it (ACKNOWLEDGED, by whom and when)."""

    class Status(models.TextChoices):
        EXPORTED = "exported", "Exported, awaiting acknowledgement"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"

    system = models.CharField(max_length=8, choices=PostingSystem.choices)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.EXPORTED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(db_default=Now())
    file_name = models.CharField(max_length=100)
    content = models.TextField()
    file_sha256 = models.CharField(max_length=64)
    row_count = models.PositiveIntegerField()
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [
            ("close_month", "Can close an accounting period"),
            ("view_month_end", "Can see the month-end report and the finance exports"),
            ("export_postings", "Can create and acknowledge payment posting files"),
            ("refer_tickets", "Can refer tickets to the collection vendor and import its payments"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(status="exported", acknowledged_at__isnull=True)
                    | models.Q(
                        status="acknowledged",
                        acknowledged_at__isnull=False,
                        acknowledged_by__isnull=False,
                    )
                ),
                name="posting_export_acknowledged_by_someone",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_system_display()} posting file {self.pk}"


class PostingEvent(models.TextChoices):
    PAYMENT = "payment", "Payment"
    VOID = "void", "Void"
    REFUND = "refund", "Refund"
    RETURNED_CHECK = "returned_check", "Returned check"
    VENDOR_PAYMENT = "vendor_payment", "Collection vendor payment"


class PostingExportItem(models.Model):
    """One event on one bill, in the file that sent it. The unique indexes say each event is
    sent once: a payment item, a reversal on a bill, a vendor payment. `amount` is what the
    event moved on the bill, positive: paid for a payment, put back for a void, a refund or a
    returned check."""

    export = models.ForeignKey(PostingExport, on_delete=models.PROTECT, related_name="items")
    kind = models.CharField(max_length=16, choices=PostingEvent.choices)
    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="+")
    amount = money_field()
    event_date = models.DateField()
    receipt_number = models.CharField(max_length=60, blank=True)
    payment_item = models.ForeignKey(
        PaymentItem, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reversal = models.ForeignKey(
        PaymentReversal, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    vendor_payment = models.ForeignKey(
        "VendorPayment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["payment_item"],
                condition=models.Q(payment_item__isnull=False),
                name="posting_payment_item_sent_once",
            ),
            models.UniqueConstraint(
                fields=["reversal", "bill"],
                condition=models.Q(reversal__isnull=False),
                name="posting_reversal_sent_once",
            ),
            models.UniqueConstraint(
                fields=["vendor_payment"],
                condition=models.Q(vendor_payment__isnull=False),
                name="posting_vendor_payment_sent_once",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(payment_item__isnull=False, kind="payment")
                    | models.Q(
                        reversal__isnull=False, kind__in=["void", "refund", "returned_check"]
                    )
                    | models.Q(vendor_payment__isnull=False, kind="vendor_payment")
                ),
                name="posting_item_names_its_event",
            ),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="posting_item_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} on bill {self.bill_id}"


class ReferralFile(models.Model):
    """One file of delinquent parking tickets sent to the collection vendor."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(db_default=Now())
    days_past_due = models.PositiveSmallIntegerField()
    file_name = models.CharField(max_length=100)
    content = models.TextField()
    file_sha256 = models.CharField(max_length=64)
    row_count = models.PositiveIntegerField()
    total = money_field()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Referral file {self.pk} ({self.row_count} tickets)"


class VendorReferral(models.Model):
    """A parking ticket referred to the collection vendor: once per ticket."""

    bill = models.OneToOneField(Bill, on_delete=models.PROTECT, related_name="vendor_referral")
    file = models.ForeignKey(ReferralFile, on_delete=models.PROTECT, related_name="referrals")
    amount_referred = money_field()
    referred_on = models.DateField()

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"Ticket {self.bill_id} referred {self.referred_on}"


class VendorPaymentFile(models.Model):
    """One payments file from the collection vendor, imported whole or not at all."""

    file_name = models.CharField(max_length=200)
    file_sha256 = models.CharField(max_length=64)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField(db_default=Now())
    row_count = models.PositiveIntegerField()
    total = money_field()
    entry = models.OneToOneField(
        "ledger.JournalEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-imported_at", "-id"]

    def __str__(self) -> str:
        return f"Vendor payments {self.file_name}"


class VendorPayment(models.Model):
    """A payment the vendor collected on a referred ticket: posted Dr 1100 Bank / Cr the
    ticket's receivable (the file's entry). `vendor_reference` is the vendor's own and unique:
    the same row twice adds nothing."""

    file = models.ForeignKey(VendorPaymentFile, on_delete=models.PROTECT, related_name="payments")
    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="vendor_payments")
    vendor_reference = models.CharField(max_length=60, unique=True)
    amount = money_field()
    paid_on = models.DateField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="vendor_payment_positive")
        ]

    def __str__(self) -> str:
        return f"Vendor payment {self.vendor_reference}: {self.amount}"

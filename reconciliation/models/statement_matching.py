"""Bank statement imports in progress, saved CSV column mappings per bank account, and card
settlements (a processor's deposit matched to the drawers' card batches of a day)."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Now

from ledger.models import Account
from payments.models import money_field
from reconciliation.models.closing import DrawerClose
from reconciliation.models.statements import BankStatement, StatementLine


class StatementImport(models.Model):
    """One upload of a statement file: its progress while it runs (written through a
    connection of its own, so the page polling it sees it) and its outcome. The upload form's
    one-time token names it: the same submit twice imports once. Not money: it may change."""

    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "Imported"
        REJECTED = "rejected", "Refused (nothing imported)"

    token = models.UUIDField(unique=True, editable=False)
    bank_account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(max_length=200)
    stage = models.CharField(max_length=20, default="reading")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    lines_added = models.PositiveIntegerField(default=0)
    lines_skipped = models.PositiveIntegerField(default=0)
    message = models.CharField(max_length=500, blank=True)
    statement = models.ForeignKey(
        BankStatement, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(db_default=Now())
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"Import of {self.file_name} ({self.get_status_display()})"


class CsvMapping(models.Model):
    """How one bank's CSV statement reads: which column holds what. A column is named by its
    header (when the file has one) or by its number counted from 1. Either `amount_column`
    (signed: money in positive) or both `debit_column` and `credit_column` (unsigned)."""

    bank_account = models.OneToOneField(
        Account, on_delete=models.PROTECT, related_name="csv_mapping"
    )
    has_header = models.BooleanField(default=True)
    date_column = models.CharField(max_length=60)
    date_format = models.CharField(
        max_length=30, default="%m/%d/%Y", help_text="As Python's strptime: %m/%d/%Y, %Y-%m-%d"
    )
    amount_column = models.CharField(max_length=60, blank=True)
    debit_column = models.CharField(max_length=60, blank=True)
    credit_column = models.CharField(max_length=60, blank=True)
    reference_column = models.CharField(max_length=60, blank=True)
    description_column = models.CharField(max_length=60, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["bank_account__code"]
        permissions = [("manage_csv_mapping", "Can set how a bank's CSV statements read")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    ~models.Q(amount_column="") & models.Q(debit_column="", credit_column="")
                )
                | (
                    models.Q(amount_column="")
                    & ~models.Q(debit_column="")
                    & ~models.Q(credit_column="")
                ),
                name="csv_mapping_amount_or_debit_credit",
                violation_error_message="Map either one amount column or a debit and a credit "
                "column.",
            )
        ]

    def __str__(self) -> str:
        return f"CSV mapping for {self.bank_account}"


class CardSettlement(models.Model):
    """A card processor's deposit (a statement line) matched to the card batches of the
    drawers closed on `business_date`: Dr bank `net`, Dr 5100 Bank fees `fees`, Cr 1020 Card
    clearing `gross`. Each drawer's batch settles once (CardSettlementClose).

    Or the online vendor's settlement of one remittance file (`remittance_batch`, kind vendor):
    its `gross` and `fees` are the file's, the fees were booked when the file posted (Dr 5100,
    Cr 1020), so the entry is Dr bank `net` / Cr 1020 `net`; it has no CardSettlementClose."""

    statement_line = models.OneToOneField(
        StatementLine, on_delete=models.PROTECT, related_name="card_settlement"
    )
    business_date = models.DateField()
    gross = money_field()
    fees = money_field()
    net = money_field()
    remittance_batch = models.OneToOneField(
        "payments.RemittanceBatch",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="card_settlement",
    )
    entry = models.OneToOneField("ledger.JournalEntry", on_delete=models.PROTECT, related_name="+")
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    settled_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["-business_date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    net__gt=0, fees__gte=0, gross=models.F("net") + models.F("fees")
                ),
                name="card_settlement_gross_is_net_plus_fees",
            )
        ]

    def __str__(self) -> str:
        return f"Card settlement {self.business_date} {self.gross}"


class CardSettlementClose(models.Model):
    """One drawer's card batch in a settlement; a batch settles once (unique)."""

    settlement = models.ForeignKey(CardSettlement, on_delete=models.PROTECT, related_name="closes")
    drawer_close = models.OneToOneField(
        DrawerClose, on_delete=models.PROTECT, related_name="card_settlement"
    )
    amount = money_field()

    def __str__(self) -> str:
        return f"Batch of close {self.drawer_close_id}: {self.amount}"

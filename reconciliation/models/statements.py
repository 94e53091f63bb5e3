"""Bank statements imported from the bank (BAI2, OFX/QFX, CSV) and their lines, matched to
deposits, card settlements and returned items."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Now

from ledger.models import Account
from payments.models import money_field
from reconciliation.models.deposits import Deposit


class BankStatement(models.Model):
    """One imported file for one of the city's bank accounts (an Account of type asset, 11xx).
    The same file twice adds nothing (`file_sha256` per account; lines by fingerprint)."""

    class Format(models.TextChoices):
        BAI2 = "bai2", "BAI2"
        OFX = "ofx", "OFX / QFX"
        CSV = "csv", "CSV"

    bank_account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="+")
    format = models.CharField(max_length=4, choices=Format.choices)
    file_name = models.CharField(max_length=200)
    file_sha256 = models.CharField(max_length=64)
    period_start = models.DateField(null=True, blank=True)
    period_end = models.DateField(null=True, blank=True)
    opening_balance = money_field(null=True, blank=True)
    closing_balance = money_field(null=True, blank=True)
    line_count = models.PositiveIntegerField(default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    imported_at = models.DateTimeField(db_default=Now())

    class Meta:
        ordering = ["-imported_at"]
        permissions = [
            ("import_statement", "Can import bank statements"),
            ("match_statement", "Can match bank statement lines"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["bank_account", "file_sha256"], name="statement_imported_once"
            )
        ]

    def __str__(self) -> str:
        return f"Statement {self.file_name} ({self.format})"


class StatementLine(models.Model):
    """One transaction on a statement: `amount` positive for money in (a credit on the bank's
    side), negative for money out. UNMATCHED until matched (posted: Bank vs Deposits in transit
    or Card clearing, `entry`) or explained by a Supervisor (`explanation`)."""

    class Status(models.TextChoices):
        UNMATCHED = "unmatched", "Unmatched"
        MATCHED = "matched", "Matched"
        EXPLAINED = "explained", "Explained"

    # References are checked by PostgreSQL once per statement, not per row (migration 0060:
    # trigger statementline_references); see the same query in ledger_verify.
    statement = models.ForeignKey(
        BankStatement, on_delete=models.PROTECT, related_name="lines", db_constraint=False
    )
    # Indexed by the (bank_account, fingerprint) and (bank_account, status, posted_on) indexes.
    bank_account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    posted_on = models.DateField()
    amount = money_field()
    type_code = models.CharField(max_length=10, blank=True)
    bank_reference = models.CharField(max_length=80, blank=True)
    customer_reference = models.CharField(max_length=80, blank=True)
    description = models.CharField(max_length=300, blank=True)
    fingerprint = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UNMATCHED)
    # No plain indexes on the columns empty at import (a 100,000-line file would write
    # 300,000 index entries of NULL): deposit has its partial unique index, entry a partial one.
    deposit = models.ForeignKey(
        Deposit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="statement_lines",
        db_index=False,
        db_constraint=False,
    )
    entry = models.ForeignKey(
        "ledger.JournalEntry",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    # A lockbox file's deposit (payments.RemittanceBatch of kind lockbox) the bank credited:
    # the bank made that deposit itself, so there is no bag (reconciliation.services.remittance).
    remittance_batch = models.OneToOneField(
        "payments.RemittanceBatch",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="statement_line",
    )
    explanation = models.CharField(max_length=300, blank=True)
    matched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    matched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["posted_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["bank_account", "fingerprint"], name="statement_line_once"
            ),
            models.UniqueConstraint(
                fields=["deposit"],
                condition=models.Q(deposit__isnull=False),
                name="deposit_matched_once",
            ),
            models.CheckConstraint(condition=~models.Q(amount=0), name="statement_line_not_zero"),
        ]
        indexes = [
            models.Index(fields=["bank_account", "status", "posted_on"]),
            models.Index(
                fields=["entry"],
                condition=models.Q(entry__isnull=False),
                name="statementline_entry",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.posted_on} {self.amount} {self.description}"

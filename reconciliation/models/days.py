"""The day close: a Supervisor's sign-off of an office's business day, with the signed daily
balancing report (PDF, SHA-256) and the chained seal over the day's journal lines."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Now

from payments.models import Office

# Both kinds of seal store the highest entry they sealed (docs/ledger.md, "Reopened versions").
COVERED_HELP = (
    "The highest journal entry id the seal covers (0 for none; empty before algorithm 3). "
    "A reopened version is verified over its entries up to this id."
)


class DaySignoff(models.Model):
    """One version of an office-day's sign-off. While `reopened_at` is empty it stands, and
    PostgreSQL refuses every live posting dated that office-day (SQLSTATE DC001, migration
    0030's SQL). An Admin's reopen fills the reopened_* columns (the only ones that change);
    the next sign-off is version n+1.

    `seal` chains the office's sign-offs: it hashes the previous seal of the office (or ''),
    `sha256` and the canonical text of the office-day's books, computed in SQL so that
    `ledger_verify` recomputes it the same way. `seal_algorithm` says which text:
    1 (before issue 13, reconciliation_day_seal) covers some columns of the lines naming the
    office or one of its drawers; 2 (reconciliation_day_seal_v2) covers every column of every
    live entry of the day that has such a line, and of all that entry's lines; 3
    (reconciliation_day_seal_v3) hashes the same text and `covered_through_entry` too, so that a
    reopened version is still verified over the entries it covered (docs/ledger.md, "Day
    seals")."""

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+")
    business_date = models.DateField()
    version = models.PositiveSmallIntegerField()
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(db_default=Now())
    pdf = models.BinaryField(help_text="The signed daily balancing report.")
    sha256 = models.CharField(max_length=64, help_text="SHA-256 of the PDF, hex.")
    seal = models.CharField(max_length=64)
    previous_seal = models.CharField(
        max_length=64, blank=True, help_text="The office's seal before this one ('' for none)."
    )
    line_count = models.PositiveIntegerField(help_text="Journal lines the seal covers.")
    seal_algorithm = models.PositiveSmallIntegerField(
        default=3,
        help_text="Which canonical text the seal hashes: 1 before issue 13, 2 until "
        "reopened versions were sealed, 3 since.",
    )
    covered_through_entry = models.BigIntegerField(null=True, blank=True, help_text=COVERED_HELP)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reopened_at = models.DateTimeField(null=True, blank=True)
    reopen_reason = models.TextField(blank=True)
    token = models.UUIDField(unique=True, editable=False)

    class Meta:
        ordering = ["office", "-business_date", "-version"]
        permissions = [
            ("view_daily_report", "Can see the daily balancing report"),
            ("sign_off_day", "Can sign off (close) an office's business day"),
            ("reopen_day", "Can reopen a signed-off day, with a reason"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "business_date", "version"], name="day_signoff_version_once"
            ),
            models.UniqueConstraint(
                fields=["office", "business_date"],
                condition=models.Q(reopened_at__isnull=True),
                name="one_standing_day_signoff",
            ),
            models.CheckConstraint(
                condition=models.Q(reopened_at__isnull=True, reopened_by__isnull=True)
                | (
                    models.Q(reopened_at__isnull=False, reopened_by__isnull=False)
                    & ~models.Q(reopen_reason="")
                ),
                name="day_reopen_has_who_and_why",
            ),
        ]
        indexes = [models.Index(fields=["business_date"], name="day_signoff_date")]

    def __str__(self) -> str:
        return f"{self.office} {self.business_date} v{self.version}"

    @property
    def standing(self) -> bool:
        return self.reopened_at is None


class LedgerDaySeal(models.Model):
    """The seal of the live entries of a business date that name no office: no line of theirs
    names an office or a drawer (billing's postings: bills issued and imported, adjustments,
    waivers). No office's seal covers them; the sign-off that closes the date for the last
    office (`signoff`) makes this seal, and PostgreSQL then refuses such postings on the date
    (DC001). An Admin's reopen of any office's day fills `reopened_*` (the only columns that
    change): such postings are taken again, and the next closing sign-off makes version n+1.

    `seal` hashes the previous ledger day seal (or '') and the canonical text of those entries
    and all their lines (SQL function reconciliation_ledger_day_seal; since algorithm 3,
    reconciliation_ledger_day_seal_v3, also `covered_through_entry`, so that a reopened version
    is still verified over the entries it covered): the chain of the lines no office seals,
    beside each office's chain."""

    business_date = models.DateField()
    version = models.PositiveSmallIntegerField()
    signoff = models.ForeignKey(
        DaySignoff,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The sign-off that closed the date for the last office.",
    )
    sealed_at = models.DateTimeField(db_default=Now())
    seal = models.CharField(max_length=64)
    previous_seal = models.CharField(
        max_length=64, blank=True, help_text="The ledger day seal before this one ('' for none)."
    )
    line_count = models.PositiveIntegerField(help_text="Journal lines the seal covers.")
    seal_algorithm = models.PositiveSmallIntegerField(
        default=3,
        help_text="Which canonical text the seal hashes: 2 until reopened versions "
        "were sealed, 3 since.",
    )
    covered_through_entry = models.BigIntegerField(null=True, blank=True, help_text=COVERED_HELP)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reopened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-business_date", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["business_date", "version"], name="ledger_day_seal_version_once"
            ),
            models.UniqueConstraint(
                fields=["business_date"],
                condition=models.Q(reopened_at__isnull=True),
                name="one_standing_ledger_day_seal",
            ),
            models.CheckConstraint(
                condition=models.Q(reopened_at__isnull=True, reopened_by__isnull=True)
                | models.Q(reopened_at__isnull=False, reopened_by__isnull=False),
                name="ledger_day_seal_reopen_has_who",
            ),
        ]

    def __str__(self) -> str:
        return f"Lines naming no office, {self.business_date} v{self.version}"

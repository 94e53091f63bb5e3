"""Remittance batches: payments by mail, through the bank's lockbox and from the online vendor,
checked item by item, posted together (one ledger entry per batch, one receipt per applied
item) and their exceptions resolved by a Supervisor. See docs/remittance.md."""

from ledger.models import AccountType

UNAPPLIED_REMITTANCES = "2150"
# Accounts the remittance batches post to beyond the standard chart (ledger.services).
REMITTANCE_CHART: tuple[tuple[str, str, str, str], ...] = (
    (UNAPPLIED_REMITTANCES, "Unapplied remittances", AccountType.LIABILITY, "General"),
)

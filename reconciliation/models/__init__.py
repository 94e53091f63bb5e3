"""Reconciliation's tables, one module per concern; re-exported here for `reconciliation.models`.

Every table that records money is append-only except for its state columns (migration 0001's
SQL); a correction is a new row and a new journal entry."""

from reconciliation.models.closing import (
    CloseCheck,
    CloseDenomination,
    CloseStock,
    DrawerClose,
    DrawerReopen,
)
from reconciliation.models.custody import CustodyTransfer, SafeCount, SafeCountDenomination
from reconciliation.models.days import DaySignoff, LedgerDaySeal
from reconciliation.models.deposits import Deposit, DepositCheck, DepositDenomination
from reconciliation.models.exports import (
    PostingEvent,
    PostingExport,
    PostingExportItem,
    PostingSystem,
    ReferralFile,
    VendorPayment,
    VendorPaymentFile,
    VendorReferral,
)
from reconciliation.models.statement_matching import (
    CardSettlement,
    CardSettlementClose,
    CsvMapping,
    StatementImport,
)
from reconciliation.models.statements import BankStatement, StatementLine

__all__ = [
    "BankStatement",
    "CardSettlement",
    "CardSettlementClose",
    "CloseCheck",
    "CloseDenomination",
    "CloseStock",
    "CsvMapping",
    "CustodyTransfer",
    "DaySignoff",
    "Deposit",
    "DepositCheck",
    "DepositDenomination",
    "DrawerClose",
    "DrawerReopen",
    "LedgerDaySeal",
    "PostingEvent",
    "PostingExport",
    "PostingExportItem",
    "PostingSystem",
    "ReferralFile",
    "SafeCount",
    "SafeCountDenomination",
    "StatementImport",
    "StatementLine",
    "VendorPayment",
    "VendorPaymentFile",
    "VendorReferral",
]

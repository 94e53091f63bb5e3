"""Codes of the chart of accounts that the apps post to by name (the chart itself, with each
account's name and type, is ledger.services.STANDARD_CHART, seeded by
chart_of_accounts_seed). One place, so payments and reconciliation cannot disagree on which
account is the safe or deposits in transit."""

CASH_IN_DRAWER = "1000"
CHECKS_IN_DRAWER = "1010"
CARD_CLEARING = "1020"
CHANGE_FUND = "1030"
CASH_IN_SAFE = "1035"
CHECKS_IN_SAFE = "1036"
DEPOSITS_IN_TRANSIT = "1040"
BANK = "1100"
CUSTOMER_CREDITS = "2100"
REFUNDS_PAYABLE = "2110"
OVER_SHORT = "5000"
BANK_FEES = "5100"

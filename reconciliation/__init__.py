"""Reconciliation: blind drawer close, over/short, the safe and custody of cash and checks,
deposits, the daily balancing report and day close, bank statements and matching, month close,
exports to the general ledger, the billing systems and vendors (issue 9)."""

"""Read queries of reconciliation: what drawers, the safe and bags hold, reports. Helpers add
their own modules (selectors_*.py) and extend the lists below."""

# Rules that `manage.py ledger_verify` re-checks (ledger.selectors.register_check).
RECONCILIATION_CHECKS: list[tuple[str, str]] = [
    (
        "a closed drawer's close entry moved exactly what the drawer's ledger lines held",
        """SELECT 'drawer ' || c.drawer_id || ' close ' || c.id
             FROM reconciliation_drawerclose c
             JOIN LATERAL (
                  SELECT -coalesce(sum(l.amount) FILTER (WHERE a.code = '1000'), 0) AS cash,
                         -coalesce(sum(l.amount) FILTER (WHERE a.code = '1010'), 0) AS checks,
                         -coalesce(sum(l.amount) FILTER (WHERE a.code = '1020'), 0) AS card
                    FROM ledger_journalline l JOIN ledger_account a ON a.id = l.account_id
                   WHERE l.entry_id = c.entry_id AND l.drawer_id = c.drawer_id) moved ON true
            WHERE c.status <> 'counted' AND c.entry_id IS NOT NULL
              AND (c.expected_cash, c.expected_checks, c.expected_card)
                  IS DISTINCT FROM (moved.cash, moved.checks, moved.card)""",
    ),
]

# Triggers that keep reconciliation's money history frozen (migration 0001's SQL).
RECONCILIATION_TRIGGERS: list[tuple[str, str]] = [
    (f"reconciliation_{table}", f"{table}_frozen")
    for table in (
        "drawerclose",
        "closedenomination",
        "closecheck",
        "closestock",
        "drawerreopen",
        "custodytransfer",
        "safecount",
        "safecountdenomination",
        "deposit",
        "depositdenomination",
        "depositcheck",
        "bankstatement",
        "statementline",
    )
]

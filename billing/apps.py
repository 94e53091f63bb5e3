from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = "Billing"

    def ready(self) -> None:
        from billing.selectors import (
            BILL_CHECKS,
            BILL_TRIGGERS,
            CREDIT_CHECKS,
            FEE_TYPE_CHECKS,
            FEE_TYPE_TRIGGERS,
        )
        from ledger.selectors import register_check, register_trigger

        # ledger_verify re-checks the bill balances too (the ledger itself knows nothing of bills).
        # And that account 2100 equals the sum of the customers' credits, and that every fee type
        # credits a revenue account.
        for rule, sql in (*BILL_CHECKS, *CREDIT_CHECKS, *FEE_TYPE_CHECKS):
            register_check(rule, sql)
        for table, name in (*BILL_TRIGGERS, *FEE_TYPE_TRIGGERS):
            register_trigger(table, name)

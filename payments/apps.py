from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Counter payments"

    def ready(self) -> None:
        from billing.liens import register_certificate_sales
        from billing.selectors import register_bill_receipts, register_open_drawer_check
        from ledger.selectors import register_check, register_trigger
        from ledger.services import register_period_close_check
        from payments.remittance_selectors import REMITTANCE_CHECKS, REMITTANCE_TRIGGERS
        from payments.selectors import (
            PAYMENT_CHECKS,
            PAYMENT_TRIGGERS,
            bill_receipts,
            certificate_sales,
            has_open_drawer,
            open_drawers_in_period,
        )

        for rule, sql in [*PAYMENT_CHECKS, *REMITTANCE_CHECKS]:
            register_check(rule, sql)
        for table, name in [*PAYMENT_TRIGGERS, *REMITTANCE_TRIGGERS]:
            register_trigger(table, name)
        register_period_close_check(open_drawers_in_period)
        # Billing's bill page names the receipts; its look up offers to pay at the counter.
        register_bill_receipts(bill_receipts)
        register_open_drawer_check(has_open_drawer)
        # Billing's certificate pages say VOID when the sale was taken back.
        register_certificate_sales(certificate_sales)

from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    verbose_name = "Counter payments"

    def ready(self) -> None:
        from ledger.selectors import register_check, register_trigger
        from ledger.services import register_period_close_check
        from payments.selectors import PAYMENT_CHECKS, PAYMENT_TRIGGERS, open_drawers_in_period

        for rule, sql in PAYMENT_CHECKS:
            register_check(rule, sql)
        for table, name in PAYMENT_TRIGGERS:
            register_trigger(table, name)
        register_period_close_check(open_drawers_in_period)

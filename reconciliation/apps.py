from django.apps import AppConfig


class ReconciliationConfig(AppConfig):
    name = "reconciliation"
    verbose_name = "Reconciliation"

    def ready(self) -> None:
        from ledger.selectors import register_check, register_trigger
        from payments.custody import register_check_locator
        from reconciliation.selectors import RECONCILIATION_CHECKS, RECONCILIATION_TRIGGERS
        from reconciliation.services.custody import check_location

        for rule, sql in RECONCILIATION_CHECKS:
            register_check(rule, sql)
        for table, name in RECONCILIATION_TRIGGERS:
            register_trigger(table, name)
        register_check_locator(check_location)
        from reconciliation.selectors_statements import STATEMENT_CHECKS, STATEMENT_TRIGGERS

        for rule, sql in STATEMENT_CHECKS:
            register_check(rule, sql)
        for table, name in STATEMENT_TRIGGERS:
            register_trigger(table, name)

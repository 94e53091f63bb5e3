from django.apps import AppConfig


class ReconciliationConfig(AppConfig):
    name = "reconciliation"
    verbose_name = "Reconciliation"

    def ready(self) -> None:
        from ledger.selectors import register_check, register_trigger
        from ledger.services import register_period_close_check
        from payments.custody import register_check_locator, register_movement_recorder
        from reconciliation.selectors import RECONCILIATION_CHECKS, RECONCILIATION_TRIGGERS
        from reconciliation.selectors_closing import CLOSING_CHECKS
        from reconciliation.selectors_custody import CUSTODY_CHECKS
        from reconciliation.selectors_daily import DAY_CLOSE_CHECKS, DAY_CLOSE_TRIGGERS
        from reconciliation.selectors_month import (
            EXPORT_CHECKS,
            EXPORT_TRIGGERS,
            month_close_refusals,
        )
        from reconciliation.selectors_statements import STATEMENT_CHECKS, STATEMENT_TRIGGERS
        from reconciliation.services.custody import check_location
        from reconciliation.services.safe import movement_custody_record

        # What `manage.py ledger_verify` re-checks, per concern.
        for rule, sql in [
            *RECONCILIATION_CHECKS,
            *CLOSING_CHECKS,
            *CUSTODY_CHECKS,
            *DAY_CLOSE_CHECKS,
            *STATEMENT_CHECKS,
            *EXPORT_CHECKS,
        ]:
            register_check(rule, sql)
        for table, name in [
            *RECONCILIATION_TRIGGERS,
            *DAY_CLOSE_TRIGGERS,
            *STATEMENT_TRIGGERS,
            *EXPORT_TRIGGERS,
        ]:
            register_trigger(table, name)
        register_period_close_check(month_close_refusals)
        register_check_locator(check_location)
        register_movement_recorder(movement_custody_record)

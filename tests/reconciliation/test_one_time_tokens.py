"""Reconciliation's forms with a one-time token, all in one list (as billing's and payments'
test_one_time_tokens.py keep theirs): a new form that moves money or records a count must take
the shared field and be named here. The behaviour of each token (a missing or altered one is a
message and a fresh form; the same one twice acts once) is tested beside each page:
test_drawer_close_views, test_safe_views, test_deposit_views, test_day_close,
test_statement_pages."""

import importlib
import inspect
import pkgutil

import reconciliation
from cashiering.forms import OneTimeTokenForm

# Money moves, or a count, a sign-off or a match is recorded: a repeated submit must not act twice.
WITH_TOKENS = {
    "reconciliation.forms_closing": {"DrawerCloseForm", "SignOffForm", "ReopenForm"},
    "reconciliation.forms_custody": {
        "DepositPrepareForm",
        "DepositVerifyForm",
        "SafeCountForm",
        "ChangeFundForm",
    },
    "reconciliation.forms_daily": {"DaySignOffForm"},
    "reconciliation.forms_month": set(),
    "reconciliation.forms_statements": {
        "StatementImportForm",
        "AutoMatchForm",
        "MatchDepositForm",
        "MatchCardDayForm",
        "MatchRemittanceForm",
        "ExplainForm",
    },
}


def _form_modules():
    for info in pkgutil.iter_modules(reconciliation.__path__):
        if info.name == "forms" or info.name.startswith("forms_"):
            yield importlib.import_module(f"reconciliation.{info.name}")


def _with_token(module) -> set[str]:
    return {
        name
        for name, cls in inspect.getmembers(module, inspect.isclass)
        if cls.__module__ == module.__name__ and "token" in getattr(cls, "base_fields", {})
    }


def test_every_reconciliation_form_with_a_token_is_covered_here():
    modules = {m.__name__: m for m in _form_modules()}
    assert set(modules) == set(WITH_TOKENS)
    for name, module in modules.items():
        assert _with_token(module) == WITH_TOKENS[name], name
        for form in WITH_TOKENS[name]:
            assert issubclass(getattr(module, form), OneTimeTokenForm), form

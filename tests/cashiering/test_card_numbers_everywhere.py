"""Every form of the app that takes free text refuses a full card number (issue 8, §14): this walks
each form class of every app, so that a form or field added later cannot escape the guard."""

import importlib
import inspect
import pkgutil

import pytest
from django import forms

from ledger.cards import NoCardNumbersMixin

APPS = ("billing", "payments", "ledger", "cashiering", "reconciliation")
# Searches: what is typed is looked up, never stored, and a scanline is a long run of digits
# that may pass the Luhn check by chance.
NOT_STORED = {"SearchForm", "CounterSearchForm", "ReceiptFindForm"}
CARD = "4111 1111 1111 1111"


def _form_modules():
    """Each app's `forms` module and its `forms_<area>` modules (reconciliation keeps its forms
    in forms_closing, forms_custody, forms_daily, forms_month, forms_statements)."""
    for app in APPS:
        package = importlib.import_module(app)
        names = sorted(
            info.name
            for info in pkgutil.iter_modules(package.__path__)
            if info.name == "forms" or info.name.startswith("forms_")
        )
        for name in names:
            yield importlib.import_module(f"{app}.{name}")


def _form_classes():
    for module in _form_modules():
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                yield name, cls


def _text_fields(cls) -> list[str]:
    return [
        name
        for name, field in cls.base_fields.items()
        # a one-time token is a UUIDField (a CharField): it is checked as a UUID, not as text
        if isinstance(field, forms.CharField)
        and not isinstance(field, forms.UUIDField)
        and not isinstance(field.widget, forms.PasswordInput)
    ]


def test_every_form_with_free_text_is_guarded():
    walked = [name for name, cls in _form_classes() if _text_fields(cls)]
    unguarded = [
        name
        for name, cls in _form_classes()
        if _text_fields(cls) and name not in NOT_STORED and not issubclass(cls, NoCardNumbersMixin)
    ]
    assert len(walked) >= 10
    assert unguarded == []
    assert {m.__name__ for m in _form_modules()} >= {
        "reconciliation.forms_closing",
        "reconciliation.forms_custody",
        "reconciliation.forms_daily",
        "reconciliation.forms_month",
        "reconciliation.forms_statements",
    }


@pytest.mark.parametrize(
    "cls",
    [cls for name, cls in _form_classes() if _text_fields(cls) and name not in NOT_STORED],
    ids=lambda cls: cls.__name__,
)
def test_each_text_field_refuses_a_card_number(cls, db):
    form = cls(data=dict.fromkeys(_text_fields(cls), CARD))
    assert not form.is_valid()
    for name in _text_fields(cls):
        assert name in form.errors, name

"""What every page of the administration site shares, so that an Admin cannot save what the rest
of the app cannot use: amounts read by the one money parser, dates within what the books compute
with, no full card number in any text (nor in the change log), and bulk actions that explain a
selection they cannot use instead of failing. Every registered ModelAdmin and inline derives from
GuardedAdminMixin (tests/ledger/test_admin_guard.py walks the registry to prove it)."""

from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.admin import helpers
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.admin.options import ActionLocation
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.http import HttpRequest, HttpResponseRedirect

from ledger.cards import NoCardNumbersMixin, mask_card_numbers
from ledger.formfields import DateField, DecimalTextField, MoneyField

BIGINT_MAX = 2**63 - 1


def _card_guarded(form_class: type[forms.BaseForm]) -> type[forms.BaseForm]:
    """`form_class` refusing any value that holds a full card number (ledger.cards)."""
    if issubclass(form_class, NoCardNumbersMixin):
        return form_class
    return type(form_class.__name__, (NoCardNumbersMixin, form_class), {})


def _largest(db_field: models.DecimalField) -> Decimal:
    digits, places = db_field.max_digits or 14, db_field.decimal_places or 0
    return (Decimal(10) ** (digits - places)) - Decimal(1).scaleb(-places)


class GuardedAdminMixin:
    """Mixed into every ModelAdmin and inline of the site (before admin.ModelAdmin)."""

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)  # type: ignore[misc]
        return _card_guarded(form)

    def get_formset(self, request, obj=None, **kwargs):  # inlines
        formset = super().get_formset(request, obj, **kwargs)  # type: ignore[misc]
        formset.form = _card_guarded(formset.form)
        return formset

    def get_changelist_form(self, request, **kwargs):  # list_editable
        form = super().get_changelist_form(request, **kwargs)  # type: ignore[misc]
        return _card_guarded(form)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)  # type: ignore[misc]
        if field is None or getattr(db_field, "choices", None):
            return field
        common: dict[str, Any] = {
            "required": field.required,
            "label": field.label,
            "help_text": field.help_text,
            "initial": field.initial,
        }
        if isinstance(db_field, models.DecimalField):
            # Every number an Admin types is read strictly; none of these may be negative.
            places = db_field.decimal_places or 0
            if places == 2:
                return MoneyField(min_value=Decimal("0"), max_value=_largest(db_field), **common)
            return DecimalTextField(places=places, max_value=_largest(db_field), **common)
        if isinstance(db_field, models.DateField) and not isinstance(
            db_field, models.DateTimeField
        ):
            return DateField(widget=field.widget, **common)
        return field

    # The change log: a text it keeps (the object's name, the message) never holds a card number.
    def _log(self, request, objects, flag: int, message: Any = "") -> list[LogEntry]:
        if isinstance(message, list):
            import json

            message = json.dumps(message)
        entries = [
            LogEntry(
                user_id=request.user.pk,
                content_type_id=ContentType.objects.get_for_model(obj, for_concrete_model=False).pk,
                object_id=str(obj.pk),
                object_repr=mask_card_numbers(str(obj))[:200],
                action_flag=flag,
                change_message=mask_card_numbers(message),
            )
            for obj in objects
        ]
        return LogEntry.objects.bulk_create(entries)

    def log_addition(self, request, obj, message):
        return self._log(request, [obj], ADDITION, message)[0]

    def log_change(self, request, obj, message):
        return self._log(request, [obj], CHANGE, message)[0]

    def log_deletions(self, request, queryset):
        return self._log(request, list(queryset), DELETION)

    def response_action(self, request, queryset, action_location=ActionLocation.CHANGE_LIST):
        """A selection that names no row the action could use (NUL characters, text where an id
        belongs, an id that does not exist) is explained, and nothing is done."""
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        pk = self.model._meta.pk  # type: ignore[attr-defined]
        try:
            wanted = {pk.to_python(value) for value in selected if "\x00" not in value}
            if len(wanted) != len(set(selected)):
                raise ValidationError("NUL")
            if isinstance(pk, models.IntegerField) and any(
                not 0 < value <= BIGINT_MAX for value in wanted
            ):
                raise ValidationError("out of range")
        except ValidationError:
            self.message_user(  # type: ignore[attr-defined]
                request,
                "The selection was not understood; nothing was changed. Choose the rows again.",
                messages.WARNING,
            )
            return HttpResponseRedirect(request.get_full_path())
        if wanted and queryset.filter(pk__in=wanted).count() != len(wanted):
            self.message_user(  # type: ignore[attr-defined]
                request,
                "Some of the selected rows no longer exist or may not be changed here; nothing "
                "was changed. Choose the rows again.",
                messages.WARNING,
            )
            return HttpResponseRedirect(request.get_full_path())
        return super().response_action(request, queryset, action_location)  # type: ignore[misc]


def _guarded(cls: type) -> type:
    if issubclass(cls, GuardedAdminMixin):
        return cls
    return type(f"Guarded{cls.__name__}", (GuardedAdminMixin, cls), {"__module__": cls.__module__})


def guard_admin_site(site) -> None:
    """Make every ModelAdmin registered on `site`, and each of its inlines, a GuardedAdminMixin:
    those that already derive from it are left as they are."""
    for model, model_admin in list(site._registry.items()):
        admin_class = type(model_admin)
        inlines = [_guarded(inline) for inline in admin_class.inlines]
        if issubclass(admin_class, GuardedAdminMixin) and inlines == list(admin_class.inlines):  # type: ignore[attr-defined]
            continue
        guarded = _guarded(admin_class)
        if inlines != list(admin_class.inlines):
            guarded = type(guarded.__name__, (guarded,), {"inlines": inlines})
        site.unregister(model)
        site.register(model, guarded)

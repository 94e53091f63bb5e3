"""Billing in the administration site: Admins keep fee types, prices, rules, rates, violation
codes and the directory. Every change is kept in the object's History (who, when, what)."""

from datetime import date
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest

from audit.models import AccessEvent
from audit.services import access_record
from billing.forms import FeePriceAdminForm, FeeTypeAdminForm
from billing.models import (
    Bill,
    BillLine,
    BillType,
    ChargeType,
    Customer,
    Department,
    FaqEntry,
    FeePrice,
    FeeType,
    Holiday,
    ImportBatch,
    LienTerms,
    MeterMinimum,
    PenaltyRule,
    StaffTitle,
    ViolationCode,
    WaterRate,
)
from billing.selectors import bills_under_rule
from cashiering.dates import us_date
from ledger.admin_guard import GuardedAdminMixin


class FeePriceInline(GuardedAdminMixin, admin.TabularInline):
    model = FeePrice
    form = FeePriceAdminForm
    extra = 1
    fields = ["effective_from", "price"]


@admin.register(FeeType)
class FeeTypeAdmin(GuardedAdminMixin, admin.ModelAdmin):
    form = FeeTypeAdminForm
    list_display = ["name", "code", "category", "revenue_account", "quantity_applies", "is_active"]
    list_filter = ["category", "is_active"]
    search_fields = ["name", "code"]
    inlines = [FeePriceInline]


# What a rule charges: fixed once a bill on file falls under the rule.
RULE_TERMS = [
    "bill_type",
    "kind",
    "percent",
    "amount",
    "days",
    "month",
    "day",
    "extend_to_business_day",
    "effective_from",
]
RULE_IN_USE = (
    "{count} bill{s} on file follow{verb} this rule, so its terms cannot be changed. To change "
    'the schedule, set this rule\'s "effective to" to the day before the change and add a new '
    "rule effective from the day of the change: bills falling due before it keep this one."
)


class PenaltyRuleForm(forms.ModelForm):
    class Meta:
        model = PenaltyRule
        fields = [*RULE_TERMS, "effective_to", "description"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        kind = cleaned.get("kind", self.instance.kind)
        month, day = cleaned.get("month"), cleaned.get("day")
        if kind == PenaltyRule.Kind.PERCENT_ON_DATE and "month" in self.fields:
            if month is None or day is None:
                self.add_error(
                    "month" if month is None else "day",
                    "A penalty on a delinquency date needs its month and day (October 1: "
                    "month 10, day 1).",
                )
            elif not _is_a_date(month, day):
                self.add_error("day", f"Month {month} has no day {day}.")
        if self.instance.pk is not None and "effective_to" in self.changed_data:
            self._check_end(cleaned.get("effective_to"))
        return cleaned

    def _check_end(self, ends: date | None) -> None:
        """The end of a rule bills follow moves only earlier, and not before their due dates
        (the database's penalty_rule_fixed trigger refuses the rest; this says why)."""
        stored = PenaltyRule.objects.get(pk=self.instance.pk)
        following = bills_under_rule(stored)
        if not following.exists():
            return
        if stored.effective_to is not None and (ends is None or ends > stored.effective_to):
            self.add_error(
                "effective_to",
                f"Bills on file follow this rule, which ends on {us_date(stored.effective_to)}; "
                "its end cannot move later or be cleared, or bills falling due after that day "
                "would pay both this rule and the one that follows it. To bring these terms back, "
                "add a new rule effective from the day the change takes effect.",
            )
        elif ends is not None and following.filter(due_date__gt=ends).exists():
            last = following.order_by("-due_date").values_list("due_date", flat=True).first()
            self.add_error(
                "effective_to",
                f"Bills on file falling due as late as {us_date(last)} follow this rule; "
                "it cannot end before then.",
            )


def _is_a_date(month: int, day: int) -> bool:
    try:
        date(2000, month, day)  # a leap year: February 29 is a date
    except ValueError:
        return False
    return True


@admin.register(PenaltyRule)
class PenaltyRuleAdmin(GuardedAdminMixin, admin.ModelAdmin):
    form = PenaltyRuleForm
    list_display = [*RULE_TERMS, "effective_to"]
    list_filter = ["bill_type", "kind"]

    def _bills_under(self, obj: PenaltyRule | None) -> int:
        return 0 if obj is None or obj.pk is None else bills_under_rule(obj).count()

    def get_readonly_fields(self, request: HttpRequest, obj: PenaltyRule | None = None):
        return RULE_TERMS if self._bills_under(obj) else []

    def has_delete_permission(self, request: HttpRequest, obj: PenaltyRule | None = None):
        return super().has_delete_permission(request, obj) and not self._bills_under(obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        rule = self.get_object(request, object_id)
        count = self._bills_under(rule)
        if count and request.method == "GET":
            self.message_user(
                request,
                RULE_IN_USE.format(
                    count=f"{count:,}", s="" if count == 1 else "s", verb="s" if count == 1 else ""
                ),
                messages.WARNING,
            )
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(Holiday)
class HolidayAdmin(GuardedAdminMixin, admin.ModelAdmin):
    """The office calendar: a last day to pay that falls on one of these days (or a weekend)
    moves to the next business day. Add a closure (a snow day) here."""

    list_display = ["date", "weekday", "name", "kind"]
    list_filter = ["kind"]
    date_hierarchy = "date"
    search_fields = ["name"]

    @admin.display(description="day")
    def weekday(self, obj: Holiday) -> str:
        return f"{obj.date:%A}"


@admin.register(WaterRate)
class WaterRateAdmin(GuardedAdminMixin, admin.ModelAdmin):
    list_display = ["effective_from", "water_per_unit", "sewer_per_unit"]


@admin.register(MeterMinimum)
class MeterMinimumAdmin(GuardedAdminMixin, admin.ModelAdmin):
    list_display = [
        "meter_size",
        "effective_from",
        "allowance_units",
        "water_minimum",
        "sewer_minimum",
    ]
    list_filter = ["meter_size"]


@admin.register(ViolationCode)
class ViolationCodeAdmin(GuardedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "description", "fine_first", "fine_second", "fine_third", "is_active"]
    list_filter = ["is_active"]


@admin.register(ChargeType)
class ChargeTypeAdmin(GuardedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "revenue_account", "is_lien"]
    list_filter = ["is_lien"]


class FaqInline(GuardedAdminMixin, admin.StackedInline):
    model = FaqEntry
    extra = 0


@admin.register(Department)
class DepartmentAdmin(GuardedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "phone", "location", "hours"]
    search_fields = ["name", "handles"]
    inlines = [FaqInline]


@admin.register(FaqEntry)
class FaqEntryAdmin(GuardedAdminMixin, admin.ModelAdmin):
    list_display = ["question", "department"]
    search_fields = ["question", "answer"]


@admin.register(Customer)
class CustomerAdmin(GuardedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "city", "checks_refused"]
    list_filter = ["kind", "checks_refused"]
    search_fields = ["name", "address_line1", "email"]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # The change form shows the contact details in full: each opening is logged as a view.
        customer = Customer.objects.filter(pk=object_id).first() if object_id.isdigit() else None
        if customer is not None and request.method == "GET":
            access_record(
                kind=AccessEvent.Kind.VIEW,
                what=f"Customer in the admin: {customer.name}",
                request=request,
                customer_ids=[customer.pk],
                object_type="billing.Customer",
                object_id=customer.pk,
            )
        return super().change_view(request, object_id, form_url, extra_context)


class BillLineInline(GuardedAdminMixin, admin.TabularInline):
    model = BillLine
    extra = 0
    can_delete = False
    fields = ["charge_type", "description", "revenue_account", "amount"]
    readonly_fields = ["charge_type", "description", "revenue_account", "amount"]

    def has_add_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(GuardedAdminMixin, admin.ModelAdmin):
    """Written only by the services (they post to the ledger); the admin shows them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Bill)
class BillAdmin(ReadOnlyAdmin):
    list_display = ["number", "bill_type", "customer", "due_date", "principal", "balance"]
    list_filter = ["bill_type", "source"]
    search_fields = ["=number", "customer__name"]
    list_select_related = ["customer"]
    inlines = [BillLineInline]


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "source", "filename", "status", "bills_created", "uploaded_by"]
    list_filter = ["source", "status"]


class LienTermsForm(forms.ModelForm):
    lien_bill_types = forms.MultipleChoiceField(
        choices=BillType.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Bill types that are liens",
        help_text=LienTerms._meta.get_field("lien_bill_types").help_text,
    )

    class Meta:
        model = LienTerms
        fields = ["lien_bill_types", "fee_type", "certification_statement"]


@admin.register(LienTerms)
class LienTermsAdmin(GuardedAdminMixin, admin.ModelAdmin):
    """The one row of lien terms: what a certified list of liens lists, the fee for it and the
    statement the officer certifies."""

    form = LienTermsForm

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not LienTerms.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(StaffTitle)
class StaffTitleAdmin(GuardedAdminMixin, admin.ModelAdmin):
    """The title an officer signs lien certificates with (else their role, and the office)."""

    list_display = ["user", "title"]
    search_fields = ["user__username", "user__last_name", "title"]

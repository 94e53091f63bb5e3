"""Billing in the administration site: Admins keep fee types, prices, rules, rates, violation
codes and the directory. Every change is kept in the object's History (who, when, what)."""

from django.contrib import admin

from billing.models import (
    Bill,
    BillLine,
    ChargeType,
    Customer,
    Department,
    FaqEntry,
    FeePrice,
    FeeType,
    ImportBatch,
    MeterMinimum,
    PenaltyRule,
    ViolationCode,
    WaterRate,
)
from ledger.admin_guard import GuardedAdminMixin


class FeePriceInline(GuardedAdminMixin, admin.TabularInline):
    model = FeePrice
    extra = 1
    fields = ["effective_from", "price"]


@admin.register(FeeType)
class FeeTypeAdmin(GuardedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "code", "category", "revenue_account", "quantity_applies", "is_active"]
    list_filter = ["category", "is_active"]
    search_fields = ["name", "code"]
    inlines = [FeePriceInline]


@admin.register(PenaltyRule)
class PenaltyRuleAdmin(GuardedAdminMixin, admin.ModelAdmin):
    list_display = [
        "bill_type",
        "kind",
        "percent",
        "amount",
        "days",
        "month",
        "day",
        "effective_from",
        "effective_to",
    ]
    list_filter = ["bill_type", "kind"]


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
    list_display = ["code", "name", "revenue_account"]


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

"""The counter in the administration site: Admins set offices, windows and payment policies.
Payments and drawers change only through the counter's services, so they are not edited here."""

from django.contrib import admin

from ledger.admin_guard import GuardedAdminMixin
from payments.forms import OfficeAdminForm
from payments.models import Office, PaymentPolicy, RemittanceSource, Workstation


class WorkstationInline(GuardedAdminMixin, admin.TabularInline):
    model = Workstation
    extra = 1
    fields = ["name", "is_active"]


@admin.register(Office)
class OfficeAdmin(GuardedAdminMixin, admin.ModelAdmin):
    form = OfficeAdminForm
    list_display = [
        "name",
        "code",
        "phone",
        "allow_self_approval",
        "check_clearing_days",
        "blind_close",
        "over_short_tolerance",
        "idle_timeout_minutes",
    ]
    inlines = [WorkstationInline]


@admin.register(PaymentPolicy)
class PaymentPolicyAdmin(GuardedAdminMixin, admin.ModelAdmin):
    list_display = [
        "applies_to",
        "partial_allowed",
        "overpayment_allowed",
        "accepts_cash",
        "accepts_check",
        "accepts_card",
        "cash_only_when_boot_eligible",
    ]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # every kind of bill needs a policy; change it instead


@admin.register(RemittanceSource)
class RemittanceSourceAdmin(GuardedAdminMixin, admin.ModelAdmin):
    """A lockbox or vendor's file layout (docs/remittance.md lists the fields a mapping names)."""

    list_display = ["name", "kind", "office", "bank_account", "has_header_row", "is_active"]
    list_filter = ["kind", "is_active"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # its batches name it; make it inactive instead

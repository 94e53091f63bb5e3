from typing import cast

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import ActionLocation
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse

from ledger.admin_guard import GuardedAdminMixin
from ledger.errors import LedgerError
from ledger.forms import AccountingPeriodForm
from ledger.models import Account, AccountingPeriod, JournalEntry, JournalLine
from ledger.services import period_close


@admin.register(Account)
class AccountAdmin(GuardedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "type", "fund", "is_active"]
    list_filter = ["type", "fund", "is_active"]
    search_fields = ["code", "name"]

    def get_readonly_fields(self, request, obj=None):
        # Once an account has lines its type decides how they read; it must not change under them.
        if obj is not None and obj.lines.exists():
            return ["code", "type"]
        return []


@admin.register(AccountingPeriod)
class AccountingPeriodAdmin(GuardedAdminMixin, admin.ModelAdmin):
    form = AccountingPeriodForm
    list_display = ["name", "start_date", "end_date", "state", "closed_at", "closed_by"]
    list_filter = ["state"]
    readonly_fields = ["state", "closed_at", "closed_by"]
    actions = ["close_periods"]

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.state == "closed":
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.state == "closed":
            return False
        return super().has_delete_permission(request, obj)

    @admin.action(description="Close the selected periods", permissions=["change"])
    def close_periods(self, request: HttpRequest, queryset: QuerySet[AccountingPeriod]):
        if request.POST.get("confirmed") != "yes":
            # Closing is irreversible: show what will close and ask once more.
            return TemplateResponse(
                request,
                "admin/ledger/accountingperiod/close_confirmation.html",
                {
                    **self.admin_site.each_context(request),
                    "title": "Close accounting periods?",
                    "periods": queryset.order_by("start_date"),
                    "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                    "opts": self.model._meta,
                },
            )
        for period in queryset.order_by("start_date"):
            try:
                period_close(period=period, by=cast(User, request.user))
            except LedgerError as exc:
                self.message_user(request, str(exc), level=messages.WARNING)
            else:
                self.message_user(request, f"Period {period.name} closed.")

    def get_actions(self, request, action_location=ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location)
        actions.pop("delete_selected", None)  # one closed period in the selection would refuse
        return actions


class JournalLineInline(GuardedAdminMixin, admin.TabularInline):
    model = JournalLine
    fields = ["account", "amount", "memo", "bill_id", "drawer_id"]
    readonly_fields = ["account", "amount", "memo", "bill_id", "drawer_id"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(JournalEntry)
class JournalEntryAdmin(GuardedAdminMixin, admin.ModelAdmin):
    """Read-only: entries are written by the posting service and never changed."""

    list_display = ["id", "entry_date", "book", "source", "memo", "posted_by", "posted_at"]
    list_filter = ["book", "source", "entry_date"]
    search_fields = ["memo", "=id"]
    inlines = [JournalLineInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

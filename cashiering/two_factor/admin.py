"""Authenticator devices in the administration site: an Admin sees who has one and removes a
lost one (the user then enrols again at their next sign-in); nobody adds or edits one here, and
only a superuser touches a superuser's device. Keys are never shown (settings: OTP_ADMIN_...)."""

from django.contrib import admin
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from ledger.admin_guard import GuardedAdminMixin

if admin.site.is_registered(TOTPDevice):
    admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class GuardedTOTPDeviceAdmin(GuardedAdminMixin, TOTPDeviceAdmin):
    def has_add_permission(self, request):
        # A device is enrolled by its owner scanning its QR code, never typed in by another.
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.user.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

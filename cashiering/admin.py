"""Users and roles in the administration site. Only a superuser may make a superuser or grant a
single permission; an Admin gives people one of the four roles (groups), nothing else, and
cannot change a superuser's account. The site itself is for Admins (and superusers) only; the
sign-in lockouts (django-axes) are seen and cleared here."""

from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied

from cashiering.roles import ROLES_BY_SENIORITY, Role, role_of
from cashiering.two_factor import admin as two_factor_admin  # noqa: F401 (registers devices)
from ledger.admin_guard import GuardedAdminMixin

# Fields of the user page only a superuser may set: each would give powers no role grants.
SUPERUSER_ONLY_FIELDS = ("is_superuser", "user_permissions")

admin.site.unregister(User)
admin.site.unregister(Group)


def _admins_only(request) -> bool:
    """Who may enter the administration site: an active staff user who is an Admin (or a
    superuser). Staff status alone is not enough: an Admin can tick it on anyone's account."""
    user = request.user
    return bool(
        user.is_active and user.is_staff and (user.is_superuser or role_of(user) == Role.ADMIN)
    )


admin.site.has_permission = _admins_only  # type: ignore[method-assign]


@admin.register(User)
class RoleUserAdmin(GuardedAdminMixin, UserAdmin):
    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        return [
            (
                name,
                {
                    **options,
                    "fields": [f for f in options["fields"] if f not in SUPERUSER_ONLY_FIELDS],
                },
            )
            for name, options in fieldsets
        ]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups" and not request.user.is_superuser:
            kwargs["queryset"] = Group.objects.filter(name__in=ROLES_BY_SENIORITY)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False  # an Admin may not reset a superuser's password or roles
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        # The form has no such fields for an Admin; this holds even if a form is built another way.
        if not request.user.is_superuser and obj.is_superuser:
            raise PermissionDenied("Only a superuser may make a superuser.")
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        if not request.user.is_superuser and "user_permissions" in form.cleaned_data:
            raise PermissionDenied("Only a superuser may grant single permissions.")
        super().save_related(request, form, formsets, change)


@admin.register(Group)
class RoleGroupAdmin(GuardedAdminMixin, GroupAdmin):
    pass


# Sign-in lockouts (django-axes): an Admin sees the failures and clears a lock by deleting the
# attempt row; the logs are read-only. Re-registered so that they are guarded like every page.
for _model in (AccessAttempt, AccessLog, AccessFailureLog):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


@admin.register(AccessAttempt)
class LockoutAttemptAdmin(GuardedAdminMixin, AccessAttemptAdmin):
    pass


@admin.register(AccessLog)
class SignInLogAdmin(GuardedAdminMixin, AccessLogAdmin):
    pass


@admin.register(AccessFailureLog)
class SignInFailureLogAdmin(GuardedAdminMixin, AccessFailureLogAdmin):
    pass

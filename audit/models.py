"""History of the sign-in accounts and groups (auth's tables, tracked through proxies of ours)
and the log of who looked at or exported residents' personal data (AccessEvent)."""

import pghistory
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import models
from django.db.models.functions import Now

from audit.history import tracked


@tracked(exclude=["password", "last_login"], model_name="UserEvent")
class TrackedUser(User):
    """auth.User as history sees it: never its password hash, and not the last sign-in time
    (it changes at every sign-in and says nothing about who may do what)."""

    class Meta:
        proxy = True


@tracked(model_name="GroupEvent")
class TrackedGroup(Group):
    """auth.Group (a role) as history sees it."""

    class Meta:
        proxy = True


@pghistory.track(
    pghistory.InsertEvent("membership.add"),
    pghistory.DeleteEvent("membership.remove"),
    obj_field=None,
    model_name="MembershipEvent",
)
class Membership(User.groups.through):  # type: ignore[name-defined,misc]
    """A user's membership of a group (role): each one given or taken away is an event."""

    class Meta:
        proxy = True


@pghistory.track(
    pghistory.InsertEvent("permission.add"),
    pghistory.DeleteEvent("permission.remove"),
    obj_field=None,
    model_name="GroupPermissionEvent",
)
class GroupPermission(Group.permissions.through):  # type: ignore[name-defined,misc]
    """A permission given to or taken from a group (role)."""

    class Meta:
        proxy = True


class AccessEvent(models.Model):
    """Someone saw or took away residents' personal data: a customer's page or contact details
    (VIEW, REVEAL) or a file holding names and addresses (EXPORT). Append-only: the database
    refuses UPDATE, DELETE and TRUNCATE (migration 0002). Customers are named by id and name
    as text, not by foreign key, so that the log outlives them and audit depends on no app."""

    class Kind(models.TextChoices):
        VIEW = "view", "Viewed"
        REVEAL = "reveal", "Revealed contact details"
        EXPORT = "export", "Exported"

    kind = models.CharField(max_length=8, choices=Kind.choices)
    at = models.DateTimeField(db_default=Now())
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    what = models.CharField(max_length=200, help_text="The page or file, in words.")
    customer_ids = models.JSONField(default=list, blank=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=100, blank=True)
    url = models.CharField(max_length=2000, blank=True)
    method = models.CharField(max_length=10, blank=True)
    ip = models.CharField(max_length=45, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["-at"]), models.Index(fields=["user", "-at"])]
        permissions = [("view_audit", "Can see the audit trail (changes, views, exports)")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.what} at {self.at}"

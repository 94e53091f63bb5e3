"""History by triggers (audit.history.tracked): every tracked table keeps each change with the
request's user, URL, method and client address; a bill's payment keeps none."""

import uuid
from datetime import date
from decimal import Decimal

import pghistory
import pgtrigger
import pytest
from django.apps import apps
from django.contrib.auth.models import Group, User
from django.db import connection, models
from django.db.models.signals import post_migrate
from django.urls import reverse
from pghistory.core import event_models

from audit import speed
from audit.models import Membership
from billing.models import Bill, Holiday
from payments.services import BillItem, payment_record
from tests.payments.conftest import cash, issue, open_drawer

pytestmark = pytest.mark.django_db

TRACKED = {
    "audit.TrackedGroup",
    "audit.TrackedUser",
    "audit.Membership",
    "audit.GroupPermission",
    "billing.Bill",
    "billing.ChargeType",
    "billing.Customer",
    "billing.Department",
    "billing.FeePrice",
    "billing.FeeType",
    "billing.Holiday",
    "billing.LienTerms",
    "billing.MeterMinimum",
    "billing.PenaltyRule",
    "billing.PlanTerms",
    "billing.StaffTitle",
    "billing.ViolationCode",
    "billing.WaterRate",
    "ledger.Account",
    "ledger.AccountingPeriod",
    "payments.Office",
    "payments.PaymentPolicy",
    "payments.RemittanceSource",
    "payments.Workstation",
}


def _event_model(label: str) -> type[models.Model]:
    return next(m for m in event_models() if m.pgh_tracked_model._meta.label == label)


def test_every_table_an_admin_edits_is_tracked():
    # given the event models pghistory knows
    # when we list what they track
    tracked = {m.pgh_tracked_model._meta.label for m in event_models()}
    # then it is exactly the rules, fees, calendar, accounts, users, groups, bills, policies,
    # offices and customers
    assert tracked == TRACKED


def _editable_field(model: type[models.Model], event_model: type[models.Model]):
    kept = {f.name for f in event_model._meta.fields}
    for field in model._meta.concrete_fields:
        if field.name not in kept or field.primary_key or field.choices or not field.editable:
            continue
        if isinstance(field, models.TextField):
            return field, lambda value: (value or "") + "Z"
        if isinstance(field, models.BooleanField):
            return field, lambda value: not value
        if isinstance(field, models.CharField) and not isinstance(field, models.EmailField):
            return field, lambda value, n=field.max_length - 1: (value or "")[:n] + "Z"
    for field in model._meta.concrete_fields:
        if field.name not in kept or field.primary_key or field.is_relation:
            continue
        if isinstance(field, models.DecimalField):
            step = Decimal(1).scaleb(-field.decimal_places)
            return field, lambda value, step=step: value + step
        if isinstance(field, models.IntegerField):
            return field, lambda value: value + 1
    raise AssertionError(f"{model} has no simple field to change")


@pytest.mark.parametrize(
    "label", sorted(TRACKED - {"audit.Membership", "audit.GroupPermission", "billing.Bill"})
)
def test_a_change_of_each_tracked_table_is_kept_with_its_context(
    label, reference, office, admin_user, dana
):
    # given a row of the table (seeded, or made by the fixtures)
    model = apps.get_model(label)
    event_model = _event_model(label)
    row = model.objects.order_by("pk").first()
    if row is None and label == "billing.StaffTitle":
        row = model.objects.create(title="Treasurer", user=admin_user)
    if row is None and label == "ledger.AccountingPeriod":
        row = model.objects.create(
            name="2026-11", start_date=date(2026, 11, 1), end_date=date(2026, 11, 30)
        )
    if row is None and label == "payments.RemittanceSource":
        from ledger.models import Account
        from payments.models import RemittanceSource

        row = RemittanceSource.objects.create(
            name="Lockbox", kind="lockbox", bank_account=Account.objects.first(), office=office
        )
    assert row is not None, f"no {label} to change"
    field, changed = _editable_field(model, event_model)
    # when it changes within a request's context
    with pghistory.context(user=admin_user.pk, url="/admin/x/", method="POST", ip="10.0.0.9"):
        model.objects.filter(pk=row.pk).update(
            **{field.attname: changed(getattr(row, field.attname))}
        )
    # then one update event holds the new value, who and from where
    event = event_model.objects.filter(pgh_obj_id=row.pk).order_by("pgh_id").last()
    assert event.pgh_label == "update"
    assert getattr(event, field.attname) == changed(getattr(row, field.attname))
    assert event.pgh_context.metadata == {
        "user": admin_user.pk,
        "url": "/admin/x/",
        "method": "POST",
        "ip": "10.0.0.9",
    }


def test_an_admin_adding_changing_and_removing_a_closure_is_kept_with_the_request(
    client, admin_user, settings
):
    # given an Admin behind one trusted proxy
    settings.TRUSTED_PROXY_HOPS = 1
    client.force_login(admin_user)
    proxy = {"HTTP_X_FORWARDED_FOR": "6.6.6.6, 192.0.2.7"}
    add = reverse("admin:billing_holiday_add")
    # when they add a snow day, rename it, then take it off
    form = {"date": "2026-02-03", "name": "Snow day", "kind": "closure"}
    response = client.post(add, form, **proxy)
    assert response.status_code == 302, response.content.decode()[:3000]
    day = Holiday.objects.get(date=date(2026, 2, 3))
    change = reverse("admin:billing_holiday_change", args=[day.pk])
    client.post(change, {**form, "name": "Snow day (storm)"}, **proxy)
    delete = reverse("admin:billing_holiday_delete", args=[day.pk])
    response = client.post(delete, {"post": "yes"}, **proxy)
    # then the holiday is gone and its three events stay, with who, where and how
    assert response.status_code == 302
    assert not Holiday.objects.filter(pk=day.pk).exists()
    events = list(_event_model("billing.Holiday").objects.filter(pgh_obj_id=day.pk))
    assert [e.pgh_label for e in events] == ["insert", "update", "delete"]
    assert [e.name for e in events] == ["Snow day", "Snow day (storm)", "Snow day (storm)"]
    assert events[1].pgh_context.metadata == {
        "user": admin_user.pk,
        "url": change,
        "method": "POST",
        "ip": "192.0.2.7",
    }


def test_a_users_history_never_holds_the_password_hash_nor_the_last_sign_in(
    client, admin_user, clerk
):
    # given the user history table
    columns = {f.name for f in _event_model("audit.TrackedUser")._meta.fields}
    # then it has no column for the password hash or the last sign-in
    assert "password" not in columns and "last_login" not in columns
    # and when a password changes, or someone signs in, no event is written
    before = _event_model("audit.TrackedUser").objects.count()
    clerk.set_password("another secret 123")
    clerk.save()
    client.force_login(clerk)
    assert _event_model("audit.TrackedUser").objects.count() == before


def test_group_membership_given_and_taken_away_is_kept(clerk, admin_user):
    # given a clerk
    supervisors = Group.objects.get(name="Supervisor")
    # when an Admin adds them to the Supervisors and takes them out again
    with pghistory.context(user=admin_user.pk):
        clerk.groups.add(supervisors)
        clerk.groups.remove(supervisors)
    # then both are events naming the user and the group
    events = _event_model("audit.Membership").objects.filter(user=clerk, group=supervisors)
    assert [e.pgh_label for e in events.order_by("pgh_id")] == [
        "membership.add",
        "membership.remove",
    ]
    assert all(e.pgh_context.metadata["user"] == admin_user.pk for e in events)
    assert Membership._meta.proxy


def test_a_bill_paid_keeps_no_history_row_but_a_bill_edited_does(reference, office, dana, clerk):
    # given an issued bill
    bill = issue(dana, clerk, amount="100.00")
    bill_events = _event_model("billing.Bill").objects.filter(pgh_obj_id=bill.pk)
    assert [e.pgh_label for e in bill_events] == ["insert"]
    # when it is paid in full at the counter (its balances move, as in a remittance batch)
    payment_record(
        drawer=open_drawer(clerk, office),
        items=[BillItem(bill.pk, Decimal("100.00"))],
        tenders=[cash("100.00")],
        token=uuid.uuid4(),
        by=clerk,
    )
    # then no bill event is written
    bill.refresh_from_db()
    assert bill.balance == 0
    assert bill_events.count() == 1
    # but when what it is changes (an appeal opens), the change is kept
    Bill.objects.filter(pk=bill.pk).update(appeal_pending=True)
    assert [e.pgh_label for e in bill_events.order_by("pgh_id")] == ["insert", "update"]
    assert "balance" not in {f.name for f in _event_model("billing.Bill")._meta.fields}


def test_a_user_event_is_kept_for_a_new_user(admin_user):
    with pghistory.context(user=admin_user.pk):
        made = User.objects.create_user("newclerk", password="x")
    assert _event_model("audit.TrackedUser").objects.filter(pgh_obj_id=made.pk).count() == 1


def test_the_trigger_helpers_installed_take_no_subtransaction():
    # pgtrigger writes its helper again with every trigger it installs; the post_migrate
    # receiver (audit/speed.py) puts the one without an EXCEPTION block back each time.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT proname, prosrc FROM pg_proc WHERE proname = ANY(%s)", [list(speed.HELPERS)]
        )
        bodies = dict(cursor.fetchall())

    assert set(bodies) == set(speed.HELPERS)
    assert not [name for name, body in bodies.items() if "EXCEPTION" in body.upper()]


def test_a_migration_installing_a_trigger_again_is_followed_by_the_fast_helpers():
    def helper_body():
        with connection.cursor() as cursor:
            cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = '_pgtrigger_should_ignore'")
            return cursor.fetchone()[0]

    # given a trigger installed as a migration does (pgtrigger writes its slow helper again)
    pgtrigger.Protect(name="speed_probe", operation=pgtrigger.Update).install(Holiday)
    assert "EXCEPTION" in helper_body()

    # when migrate ends
    audit = apps.get_app_config("audit")
    post_migrate.send(
        sender=audit,
        app_config=audit,
        verbosity=0,
        interactive=False,
        using="default",
        apps=apps,
        plan=[],
    )

    # then the helper is the fast one again
    assert "EXCEPTION" not in helper_body()


def test_a_trigger_switched_off_for_the_session_writes_no_event_and_on_again_does(admin_user):
    events = _event_model("billing.Holiday").objects
    holiday = Holiday.objects.create(date=date(2031, 3, 11), name="Snow day")
    trigger = next(t for t in Holiday._meta.triggers if t.name == "update_update")

    with pgtrigger.ignore(f"billing.Holiday:{trigger.name}"):
        Holiday.objects.filter(pk=holiday.pk).update(name="Snow day (ignored)")
    with pghistory.context(user=admin_user.pk):
        Holiday.objects.filter(pk=holiday.pk).update(name="Snow day, roads closed")

    kept = list(events.filter(pgh_obj_id=holiday.pk).order_by("pgh_id"))
    assert [e.pgh_label for e in kept] == ["insert", "update"]
    assert kept[1].name == "Snow day, roads closed"
    assert kept[0].pgh_context is None
    assert kept[1].pgh_context.metadata == {"user": admin_user.pk}

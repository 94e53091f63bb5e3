"""The world the form fuzzer (test_form_fuzz.py) walks: one of each thing a page's address
names, built through the services, and the values that fill a route's converters from it."""

import uuid
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from billing.models import BillType
from billing.services import lien_certificate_issue
from cashiering.roles import Role
from ledger.models import Account, AccountingPeriod
from payments.services import approval_request, counter_setup_seed
from payments.services.remittance import remittance_batch_open, remittance_item_add
from reconciliation.models import DrawerClose
from reconciliation.services import posting_export_create, referral_file_create
from tests.conftest import charge, tax_bill
from tests.factories import fund_change_fund
from tests.payments.conftest import check, issue, new_user, open_drawer
from tests.reconciliation.conftest import pay
from tests.reconciliation.flows import deposit_verified, statement_imported

ROLES = (Role.TRAINEE, Role.CLERK, Role.SUPERVISOR, Role.ADMIN)


def world_build(*, users, customer, parcel, second_supervisor) -> dict[str, object]:
    """An office with a drawer open for every role, a paid receipt, a check receipt waiting for
    a void, a lien certificate, a mail batch with a check in it, a verified deposit, a bank
    statement and the exports: each the first of its kind, so that every page has something to
    show. Returns the objects by name."""
    office = counter_setup_seed(office_code="CH", office_name="Chamberlain's Office", windows=6)
    fund_change_fund(office)
    drawers = {
        role: open_drawer(users[role], office, number=number)
        for number, role in enumerate(ROLES, 1)
    }
    clerk, supervisor = users[Role.CLERK], users[Role.SUPERVISOR]
    today = timezone.localdate()
    lien = tax_bill(
        parcel,
        customer,
        supervisor,
        year=2025,
        installment=1,
        due=date(2025, 1, 31),
        charges=[charge("city_tax", "300.00")],
    )
    bill = issue(customer, supervisor, amount="100.00")
    paid = issue(customer, supervisor, amount="40.00")
    receipt = pay(drawers[Role.CLERK], clerk, paid)
    by_check = pay(drawers[Role.CLERK], clerk, issue(customer, supervisor, amount="25.00"))
    other = new_user("clerk-two", Role.CLERK)
    checked = pay(
        open_drawer(other, office, number=5),
        other,
        issue(customer, supervisor, amount="60.00"),
        check("60.00", number="5150"),
    )
    approval = approval_request(payment=by_check, kind="void", reason="Wrong bill", by=clerk)
    certificate = lien_certificate_issue(
        property=parcel, good_through=today + timedelta(days=20), by=clerk
    )
    batch = remittance_batch_open(
        office=office,
        control_total=Decimal("40.00"),
        control_count=1,
        by=clerk,
        token=uuid.uuid4(),
    )
    item = remittance_item_add(
        batch=batch,
        scanline=issue(customer, supervisor, amount="40.00").number,
        amount=Decimal("40.00"),
        check_number="77",
        check_payer=customer.name,
        postmark=today,
        by=clerk,
        token=uuid.uuid4(),
    )
    deposit = deposit_verified(
        office=office,
        preparer=supervisor,
        verifier=second_supervisor,
        cash="20.00",
        checks=list(checked.tenders.all()),
    )
    lines = statement_imported(by=supervisor, lines=[(today, "80.00", "DEPOSIT")])
    return {
        "office": office,
        "drawers": drawers,
        "bill": bill,
        "lien": lien,
        "ticket": issue(customer, supervisor, bill_type=BillType.PARKING, amount="30.00"),
        "customer": customer,
        "parcel": parcel,
        "receipt": receipt,
        "approval": approval,
        "certificate": certificate,
        "batch": batch,
        "item": item,
        "deposit": deposit,
        "close": DrawerClose.objects.order_by("pk").first(),
        "line": lines[0],
        "posting": posting_export_create(system="tax", by=supervisor),
        "referral": _referral(supervisor),
        "period": AccountingPeriod.objects.create(
            name="2026-01", start_date=date(2026, 1, 1), end_date=date(2026, 1, 31)
        ),
    }


def _referral(by):
    try:
        return referral_file_create(days_past_due=1, by=by)
    except Exception:  # nothing old enough to refer: the page then shows none
        return None


def route_values(world: dict) -> dict[tuple[str, str], object]:
    """What fills a converter, by (the address's path segment before it, the converter's
    name); a route this table does not know gets "1" and is skipped when that is not found."""
    pk = lambda name: getattr(world.get(name), "pk", 1)  # noqa: E731
    return {
        ("bills", "number"): world["bill"].number,
        ("customers", "pk"): world["customer"].pk,
        ("invoices", "number"): world["bill"].number,
        ("lien-certificates", "pk"): world["certificate"].pk,
        ("properties", "pk"): world["parcel"].pk,
        ("approvals", "pk"): world["approval"].pk,
        ("items", "index"): 0,
        ("items", "item_pk"): world["item"].pk,
        ("items", "pk"): world["item"].pk,
        ("lien-payoff", "pk"): world["certificate"].pk,
        ("drawers", "pk"): world["drawers"][Role.CLERK].pk,
        ("receipts", "number"): world["receipt"].receipt_number,
        ("remittance", "pk"): world["batch"].pk,
        ("closes", "pk"): pk("close"),
        ("deposits", "pk"): world["deposit"].pk,
        ("postings", "pk"): pk("posting"),
        ("referrals", "pk"): pk("referral"),
        ("csv-mappings", "account_pk"): Account.objects.get(code="1100").pk,
        ("lines", "pk"): world["line"].pk,
        ("accounts", "code"): "1200",
        ("verify", "code"): world["certificate"].verification_code,
        ("tenders", "index"): 0,
    }

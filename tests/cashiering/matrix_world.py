"""The permission matrix's world: one office with a drawer per clerk, and one of each object a
URL can name (a bill, a receipt, a lien certificate, an invoice, a plan, a drawer close, a
deposit, a bank statement line, remittance batches, ...), built through the services, and the
URL arguments that name each object (tests/cashiering/test_permission_matrix.py)."""

import contextlib
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import User
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from billing.demo import reference_data_seed
from billing.errors import ImportRejected
from billing.models import Customer, ImportBatch, Property, StaffTitle
from billing.services import (
    bill_import,
    invoice_create,
    lien_certificate_issue,
    payment_plan_enroll,
)
from cashiering.demo import demo_users_seed
from cashiering.roles import Role
from ledger.models import Account
from ledger.services import chart_of_accounts_seed
from payments.models import CashMovement
from payments.services import BillItem, approval_request, counter_setup_seed, payment_record
from payments.services.drawers import cash_movement_record
from payments.services.remittance import (
    Resolution,
    remittance_batch_post,
    remittance_exception_resolve,
    remittance_sources_seed,
)
from tests.conftest import charge, tax_bill
from tests.factories import AccountingPeriodFactory, fund_change_fund
from tests.payments.conftest import check, issue, new_user, open_drawer
from tests.payments.test_remittance_views import add, open_batch
from tests.reconciliation.flows import (
    cash_into_safe,
    deposit_verified,
    drawer_closed,
    statement_imported,
)

D = Decimal
# A primary key no row has: for the few objects too costly to build here (see MISSING).
NO_SUCH_PK = 987654321


@dataclass
class World:
    """The users by role (the matrix's columns) and the URL arguments by URL name."""

    users: dict[str, User]
    kwargs: dict[str, dict[str, object]] = field(default_factory=dict)
    admin_objects: dict[str, object] = field(default_factory=dict)


def world_build() -> World:
    """Build the office and one of each object, as the Clerk's where a clerk owns it."""
    chart_of_accounts_seed()
    reference_data_seed()
    users = demo_users_seed()
    clerk, supervisor = users[Role.CLERK], users[Role.SUPERVISOR]
    supervisor2 = new_user("supervisor-two", Role.SUPERVISOR)
    office = counter_setup_seed(office_code="CH", office_name="Chamberlain's Office", windows=4)
    fund_change_fund(office)
    remittance_sources_seed(office=office)

    dana = Customer.objects.create(
        name="Dana Whitfield",
        address_line1="212 N Aurora St",
        city="Ithaca",
        state="NY",
        postal_code="14850",
        phone="607-555-0134",
        email="dana@example.org",
    )
    parcel = Property.objects.create(parcel_number="24.-3-1", street_address="108 E Green St")
    parcel.owners.add(dana)
    today = timezone.localdate()
    lien = tax_bill(
        parcel,
        dana,
        supervisor,
        year=2025,
        installment=1,
        due=date(2025, 1, 31),
        charges=[charge("city_tax", "1000.00")],
    )
    certificate = lien_certificate_issue(
        property=parcel, good_through=today + timedelta(days=30), by=clerk
    )
    plan_parcel = Property.objects.create(parcel_number="24.-3-2", street_address="110 E Green")
    plan_parcel.owners.add(dana)
    planned = tax_bill(
        plan_parcel,
        dana,
        supervisor,
        year=2025,
        installment=2,
        due=date(2025, 6, 30),
        charges=[charge("city_tax", "600.00")],
    )
    plan = payment_plan_enroll(
        property=plan_parcel,
        bills=[planned],
        customer=dana,
        down_payment=D("0.00"),
        installments=3,
        as_of=today,
        by=supervisor,
        token=uuid.uuid4(),
    )
    invoice = invoice_create(
        customer=dana,
        charges=[charge("misc", "25.00")],
        due_date=today + timedelta(days=30),
        memo="Copies",
        by=clerk,
    )

    # The Clerk's drawer and receipt (by check), a Trainee's drawer, a void waiting approval.
    drawer = open_drawer(clerk, office, number=1)
    open_drawer(users[Role.TRAINEE], office, number=3)
    bill = issue(dana, supervisor, amount="100.00")
    payment = payment_record(
        drawer=drawer,
        items=[BillItem(bill_id=bill.pk, amount=D("100.00"))],
        tenders=[check("100.00")],
        token=uuid.uuid4(),
        by=clerk,
    )
    pending = approval_request(payment=payment, kind="void", reason="Wrong bill", by=clerk)
    pickup = cash_movement_record(
        drawer=drawer, kind=CashMovement.Kind.PICKUP, amount=D("20.00"), by=supervisor
    )

    # Another clerk's closed drawer; cash in the safe, a verified deposit; a statement line.
    closer = new_user("clerk-closing", Role.CLERK)
    closing = open_drawer(closer, office, number=2)
    payment_record(
        drawer=closing,
        items=[BillItem(bill_id=issue(dana, supervisor, amount="50.00").pk, amount=D("50.00"))],
        tenders=[check("50.00", number="777")],
        token=uuid.uuid4(),
        by=closer,
    )
    close = drawer_closed(closing, receiver=supervisor)
    cash_into_safe(office, "100.00", receiver=supervisor)
    deposit = deposit_verified(
        office=office, preparer=supervisor, verifier=supervisor2, cash="100.00"
    )
    [line] = statement_imported(by=supervisor, lines=[(today, D("10.00"), "Interest")])

    # Remittance: the Clerk's open mail batch with one check; a posted one with an exception
    # waiting and one returned.
    batch = open_batch(office, clerk, "1000.00", 1)
    item = add(batch, clerk, issue(dana, supervisor, amount="1000.00").number, "1000.00")
    posted = open_batch(office, clerk, "300.00", 2)
    add(posted, clerk, "NO-SUCH-BILL", "100.00", "3001", "Alex Unknown")
    add(posted, clerk, "ALSO-UNKNOWN", "200.00", "3002", "Sam Unknown")
    remittance_batch_post(batch=posted, by=clerk, token=uuid.uuid4())
    waiting, returned = posted.items.order_by("sequence")
    remittance_exception_resolve(
        item=returned,
        action=Resolution.RETURN,
        amount=None,
        note="No such bill",
        by=supervisor,
        token=uuid.uuid4(),
    )

    # Reference rows only the admin edits, so that its change pages have an object to show.
    StaffTitle.objects.create(user=supervisor, title="Deputy Chamberlain")
    AccountingPeriodFactory(name="2020-01", start_date=date(2020, 1, 1), end_date=date(2020, 1, 31))

    # A bill file rejected, with its report of problems.
    with contextlib.suppress(ImportRejected):
        bill_import(source="parking", filename="bad.csv", content=b"nonsense\n1,2\n", by=supervisor)
    rejected = ImportBatch.objects.get()

    bank = Account.objects.get(code="1100")
    receipt = {"number": payment.receipt_number}
    kwargs: dict[str, dict[str, object]] = {
        "verify": {"code": certificate.verification_code},
        "ledger:account": {"code": "1000"},
        "billing:bill": {"number": lien.number},
        "billing:waive": {"number": lien.number},
        "billing:appeal": {"number": lien.number},
        "billing:adjust": {"number": lien.number},
        "billing:customer": {"pk": dana.pk},
        "billing:customer_contact": {"pk": dana.pk},
        "billing:invoice_new": {"pk": dana.pk},
        "billing:invoice_pdf": {"number": invoice.number},
        "billing:plan_new": {"pk": parcel.pk},
        "billing:plan": {"number": plan.number},
        "billing:plan_cancel": {"number": plan.number},
        "billing:plan_agreement": {"number": plan.number},
        "billing:lien_certificate": {"pk": certificate.pk},
        "billing:lien_certificate_pdf": {"pk": certificate.pk},
        "billing:import_errors": {"pk": rejected.pk},
        "billing:import_progress": {"token": uuid.uuid4()},
        "payments:cart_item_update": {"index": 0},
        "payments:cart_lien_payoff": {"pk": certificate.pk},
        "payments:cart_tender_remove": {"index": 0},
        "payments:drawer_detail": {"pk": drawer.pk},
        "payments:pickup": {"pk": drawer.pk},
        "payments:movement_pdf": {"pk": pickup.pk},
        "payments:payment": receipt,
        "payments:receipt_pdf": receipt,
        "payments:payment_void": receipt,
        "payments:payment_refund": receipt,
        "payments:returned_check": receipt,
        "payments:payment_review": receipt,
        "payments:credit_refund": {"pk": dana.pk},
        "payments:credit_refund_record": {"pk": NO_SUCH_PK},
        "payments:credit_refund_pdf": {"pk": NO_SUCH_PK},
        "payments:approval_decide": {"pk": pending.pk},
        "payments:remittance_batch": {"pk": batch.pk},
        "payments:remittance_item_add": {"pk": batch.pk},
        "payments:remittance_item_remove": {"pk": batch.pk, "item_pk": item.pk},
        "payments:remittance_post": {"pk": batch.pk},
        "payments:remittance_cancel": {"pk": batch.pk},
        "payments:remittance_report_pdf": {"pk": posted.pk},
        "payments:remittance_resolve": {"pk": waiting.pk},
        "payments:remittance_letter_pdf": {"pk": returned.pk},
        "payments:remittance_import_progress": {"token": uuid.uuid4()},
        "reconciliation:close_result": {"pk": close.pk},
        "reconciliation:close_pdf": {"pk": close.pk},
        "reconciliation:close_sign_off": {"pk": close.pk},
        "reconciliation:close_reopen": {"pk": close.pk},
        "reconciliation:drawer_close_for_clerk": {"pk": drawer.pk},
        "reconciliation:deposit": {"pk": deposit.pk},
        "reconciliation:deposit_cancel": {"pk": deposit.pk},
        "reconciliation:deposit_slip": {"pk": deposit.pk},
        "reconciliation:day_signoff_pdf": {"pk": NO_SUCH_PK},
        "reconciliation:statement_progress": {"token": uuid.uuid4()},
        "reconciliation:statement_line": {"pk": line.pk},
        "reconciliation:statement_line_deposit": {"pk": line.pk},
        "reconciliation:statement_line_card": {"pk": line.pk},
        "reconciliation:statement_line_lockbox": {"pk": line.pk},
        "reconciliation:statement_line_vendor": {"pk": line.pk},
        "reconciliation:statement_line_explain": {"pk": line.pk},
        "reconciliation:csv_mapping_edit": {"account_pk": bank.pk},
        "reconciliation:posting_download": {"pk": NO_SUCH_PK},
        "reconciliation:posting_acknowledge": {"pk": NO_SUCH_PK},
        "reconciliation:referral_download": {"pk": NO_SUCH_PK},
    }
    # A sign-in lockout's rows (django-axes), for the admin pages an Admin clears them from.
    attempt = {"username": "no-such-clerk", "ip_address": "192.0.2.7", "user_agent": "matrix"}
    AccessAttempt.objects.create(**attempt, failures_since_start=1, get_data="", post_data="")
    AccessFailureLog.objects.create(**attempt)
    AccessLog.objects.create(**attempt)
    # The device admin's secret-showing pages (refused: OTP_ADMIN_HIDE_SENSITIVE_DATA).
    device = TOTPDevice.objects.filter(user=supervisor).first()
    for name in ("config", "qrcode"):
        kwargs[f"admin:otp_totp_totpdevice_{name}"] = {"pk": device.pk if device else NO_SUCH_PK}
    admin_objects = {
        f"{model._meta.app_label}.{model._meta.model_name}": model._default_manager.order_by(
            "pk"
        ).first()
        for model in admin.site._registry
    }
    users = {role: users[role] for role in (Role.TRAINEE, Role.CLERK, Role.SUPERVISOR, Role.ADMIN)}
    return World(users=users, kwargs=kwargs, admin_objects=admin_objects)

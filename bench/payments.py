"""The counter: `payment_record` against hand-written SQL, the counter's pages under gunicorn,
and the receipt PDF.

Prints bench:
- payment_record_per_s, payment_raw_per_s and payment_record_ratio (service / raw; goal at least
  0.5): one bill paid in full in cash with change, each payment its own transaction, both
  writing the same rows (entry and lines, payment, item, tender, bill, receipt number) to the
  same tables with the same triggers, in alternating rounds;
- counter_http_p95_ms (16 clerks each pausing 1 s between steps; goal under 100 ms),
  counter_http_rps (the same clerks without pausing), counter_http_errors, and
  ledger_verify_clean (1 when `manage.py ledger_verify` finds the books sound afterwards).
  gunicorn serves a scratch copy of the database; each clerk is a browser without JavaScript
  (plain form posts, no htmx), so a cart form that answers with a redirect costs a second
  request, for the counter page it names;
- receipt_pdf_cold_ms (the first receipt in a fresh process, fonts loaded) and
  receipt_pdf_warm_ms (median of 30)."""

import hashlib
import http.client
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import ROUND_CEILING, Decimal
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from _setup import ROOT, database_url, report, run_command, scratch_database

PAYMENTS = 1_500
ROUNDS = 5
WARM_UP = 100
CLERKS = 16
PHASE_SECONDS = 30
BILLS_PER_CLERK = 400  # many more than a clerk posts in both phases
PDF_RENDERS = 30
PASSWORD = "bench-clerk-password-2026"  # noqa: S105 - scratch clerks, dropped afterwards
OFFICE = "CH"

# A bill to pay: id, number, what it owes (always some cents, so that cash gives change).
BillDue = tuple[int, str, Decimal]


def whole_dollars_above(amount: Decimal) -> Decimal:
    return amount.to_integral_value(rounding=ROUND_CEILING)


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))]


# Set-up, through the services


def counter_build(bill_count: int):
    """The office with a window per clerk, CLERKS + 1 clerks each with an open drawer, and
    `bill_count` small unpaid water bills, two to a customer. Returns the clerks, their
    drawers (the first clerk and drawer are payment_record_ratio's, the others work the
    counter over HTTP) and the bills in id order."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group, User
    from django.utils import timezone

    from billing.demo import FIRST, LAST, reference_data_seed
    from billing.models import Bill, BillType, ChargeType, Customer
    from billing.services import Charge, bills_issue_bulk
    from cashiering.roles import Role
    from payments.models import Workstation
    from payments.services import counter_setup_seed, drawer_open

    reference_data_seed()
    office = counter_setup_seed(
        office_code=OFFICE, office_name="Chamberlain's Office", windows=CLERKS + 1
    )
    # One hash for every clerk: hashing a password on purpose takes a good part of a second.
    hashed = make_password(PASSWORD)
    clerks = User.objects.bulk_create(
        User(username=f"clerk{n:02d}", password=hashed, first_name="Bench", last_name=f"{n:02d}")
        for n in range(CLERKS + 1)
    )
    Group.objects.get(name=Role.CLERK).user_set.add(*clerks)
    from reconciliation.services import change_fund_adjust

    admin = User.objects.create(username="bench-admin", password=hashed)
    admin.groups.add(Group.objects.get(name=Role.ADMIN))
    admin = User.objects.get(pk=admin.pk)
    change_fund_adjust(office=office, amount=Decimal("100000.00"), by=admin, received_by=clerks[0])
    drawers = [
        drawer_open(
            clerk=clerk,
            workstation=Workstation.objects.get(office=office, name=f"Window {n + 1}"),
            counts={"$20 bills": 10},
        )
        for n, clerk in enumerate(clerks)
    ]

    rng = random.Random(2026)
    today = timezone.localdate()
    customers = Customer.objects.bulk_create(
        Customer(name=f"{rng.choice(FIRST)} {rng.choice(LAST)}", city="Ithaca", state="NY")
        for _ in range((bill_count + 1) // 2)
    )
    water = ChargeType.objects.get(code="water")
    supervisor = User.objects.create(username="bench-supervisor")
    batch = 4_000
    for start in range(0, bill_count, batch):
        bills = []
        for i in range(start, min(start + batch, bill_count)):
            # Whole dollars plus 1 to 99 cents: cash handed over in notes gets change.
            amount = Decimal(rng.randint(20, 180)) + Decimal(rng.randint(1, 99)) / 100
            bills.append(
                (
                    dict(
                        number=f"W26-{i + 1:06d}",
                        bill_type=BillType.WATER_SEWER,
                        source="bench",
                        customer_id=customers[i // 2].pk,
                        description="Quarterly water and sewer",
                        issue_date=today,
                        due_date=today + timedelta(days=60),
                        principal=amount,
                    ),
                    [Charge(water, amount)],
                )
            )
        bills_issue_bulk(bills=bills, by=supervisor, memo="Bench water bills", source="bench")
    due = list(Bill.objects.order_by("pk").values_list("pk", "number", "balance"))
    return clerks, drawers, due


# 1. payment_record against hand-written SQL


def run_service(clerk, drawer, bills: list[BillDue]) -> float:
    from payments.services import BillItem, TenderIn, payment_record

    started = time.perf_counter()
    for bill_id, _, due in bills:
        payment_record(
            drawer=drawer,
            items=[BillItem(bill_id=bill_id, amount=due, expected_due=due)],
            tenders=[TenderIn(kind="cash", amount=whole_dollars_above(due))],
            token=uuid.uuid4(),
            by=clerk,
        )
    return time.perf_counter() - started


def run_raw(clerk, drawer, bills: list[BillDue]) -> float:
    """What payment_record writes for one bill paid in cash, as a hand-written transaction:
    the drawer and the bill locked, the next receipt number taken under the series row's lock,
    then the entry with its two lines, the payment, its item and tender, and the bill paid."""
    from django.db import connection
    from django.utils import timezone

    from ledger.models import Account
    from ledger.money import format_money

    accounts = dict(Account.objects.filter(code="1000").values_list("code", "pk"))
    today = timezone.localdate()
    office_id = drawer.office.pk
    connection.ensure_connection()
    raw = connection.connection  # the psycopg2 connection itself, outside Django
    raw.autocommit = False
    started = time.perf_counter()
    with raw.cursor() as cursor:
        for bill_id, _, due in bills:
            tendered = whole_dollars_above(due)
            cursor.execute(
                "SELECT id FROM payments_drawer WHERE id = %s AND status = 'open' FOR UPDATE",
                [drawer.pk],
            )
            assert cursor.fetchone() is not None
            cursor.execute(
                "SELECT b.number, b.description, b.balance, b.receivable_account_id,"
                " b.customer_id, c.name, b.interest_months_assessed,"
                " (SELECT count(*) FROM billing_penaltyassessment a WHERE a.bill_id = b.id)"
                " FROM billing_bill b JOIN billing_customer c ON c.id = b.customer_id"
                " WHERE b.id = %s FOR UPDATE OF b",
                [bill_id],
            )
            number, description, balance, receivable, customer_id, payer, months, events = (
                cursor.fetchone()
            )
            assert balance == due
            cursor.execute(
                "UPDATE payments_receiptseries SET last_number = last_number + 1"
                " WHERE office_id = %s AND training = false AND year = %s RETURNING last_number",
                [office_id, today.year],
            )
            (sequence,) = cursor.fetchone()
            receipt_number = f"{drawer.office.code}-{today.year}-{sequence:06d}"
            cursor.execute(
                "INSERT INTO ledger_journalentry (entry_date, memo, source, posted_by_id, book)"
                " VALUES (%s, %s, 'payment', %s, 'live') RETURNING id",
                [today, f"Receipt {receipt_number}: 1 item, {format_money(due)}", clerk.pk],
            )
            (entry_id,) = cursor.fetchone()
            cursor.execute(
                "INSERT INTO ledger_journalline"
                " (entry_id, account_id, amount, memo, bill_id, drawer_id) VALUES"
                " (%s, %s, %s, 'Cash received', NULL, %s), (%s, %s, %s, %s, %s, NULL)",
                [
                    *(entry_id, accounts["1000"], due, drawer.pk),
                    *(entry_id, receivable, -due, f"Paid on bill {number}", bill_id),
                ],
            )
            digest = hashlib.sha256(f"{drawer.pk}:{bill_id}:{due}:{tendered}".encode())
            cursor.execute(
                "INSERT INTO payments_payment (drawer_id, office_id, training, receipt_number,"
                " receipt_year, receipt_sequence, customer_id, payer_name, total, tendered,"
                " change, status, posted_by_id, posted_on, entry_id, token, cart_digest,"
                " overrides, needs_review, reprints) VALUES (%s, %s, false, %s, %s, %s, %s, %s,"
                " %s, %s, %s, 'posted', %s, %s, %s, %s, %s, '[]', false, 0) RETURNING id",
                [
                    *(drawer.pk, drawer.office_id, receipt_number, today.year, sequence),
                    *(customer_id, payer, due, tendered, tendered - due, clerk.pk, today),
                    *(entry_id, str(uuid.uuid4()), digest.hexdigest()),
                ],
            )
            (payment_id,) = cursor.fetchone()
            cursor.execute(
                "INSERT INTO payments_paymentitem (payment_id, kind, description, bill_id,"
                " quantity, plate, plate_state, amount, penalty_assessed, interest_assessed,"
                " penalty_paid, interest_paid, principal_paid, credit, balance_after,"
                " penalty_events_before, interest_months_before) VALUES (%s, 'bill', %s, %s,"
                " 1, '', '', %s, 0, 0, 0, 0, %s, 0, 0, %s, %s)",
                [
                    *(payment_id, f"Water & sewer {number}: {description}", bill_id),
                    *(due, due, events, months),
                ],
            )
            cursor.execute(
                "INSERT INTO payments_tender (payment_id, kind, amount, check_number,"
                " check_payer, card_brand, card_last4, authorization_code, terminal_reference,"
                " returned) VALUES (%s, 'cash', %s, '', '', '', '', '', '', false)",
                [payment_id, tendered],
            )
            cursor.execute(
                "UPDATE billing_bill SET principal_balance = 0, penalty_balance = 0,"
                " interest_balance = 0, balance = 0,"
                " interest_months_assessed = %s WHERE id = %s",
                [months, bill_id],
            )
            raw.commit()
    elapsed = time.perf_counter() - started
    raw.autocommit = True
    return elapsed


def payment_record_ratio(clerk, drawer, bills: list[BillDue]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from payments.services import BillItem, TenderIn, payment_record

    bills = list(bills)
    per_round = PAYMENTS // ROUNDS
    # A warm-up of each, not counted: connection, caches, PL/pgSQL plans. The service goes
    # first: it makes this year's receipt series, which the hand-written side only updates.
    run_service(clerk, drawer, [bills.pop() for _ in range(WARM_UP)])
    run_raw(clerk, drawer, [bills.pop() for _ in range(WARM_UP)])
    service = raw = 0.0
    for _ in range(ROUNDS):
        service += run_service(clerk, drawer, [bills.pop() for _ in range(per_round)])
        raw += run_raw(clerk, drawer, [bills.pop() for _ in range(per_round)])
    report("payment_record_per_s", PAYMENTS / service, "payments/s")
    report("payment_raw_per_s", PAYMENTS / raw, "payments/s")
    report("payment_record_ratio", raw / service, "ratio")

    bill_id, _, due = bills.pop()
    with CaptureQueriesContext(connection) as queries:
        payment_record(
            drawer=drawer,
            items=[BillItem(bill_id=bill_id, amount=due, expected_due=due)],
            tenders=[TenderIn(kind="cash", amount=whole_dollars_above(due))],
            token=uuid.uuid4(),
            by=clerk,
        )
    print(f"(payment_record: {len(queries)} statements a payment; the hand-written one: 11)")


# 2. The counter over HTTP, under gunicorn


@dataclass
class Response:
    status: int
    location: str
    body: bytes
    ms: float


class Browser:
    """One clerk's browser: its cookies and its CSRF token. A new connection for every request,
    as gunicorn's sync workers close each one after answering."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, fields: dict | None = None, *, htmx: bool = False
    ) -> Response:
        base = f"http://127.0.0.1:{self.port}"
        headers = {"Host": f"127.0.0.1:{self.port}", "Referer": f"{base}/counter/"}
        if htmx:  # what htmx sends: the view answers with a fragment of the page
            headers["HX-Request"] = "true"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if method == "POST":
            token = self.cookies.get("csrftoken", "")
            body = urlencode({"csrfmiddlewaretoken": token, **(fields or {})})
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = token
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        started = time.perf_counter()
        try:
            connection.request(method, path, body, headers)
            answer = connection.getresponse()
            data = answer.read()
        finally:
            connection.close()
        ms = (time.perf_counter() - started) * 1000
        for header in answer.headers.get_all("Set-Cookie") or []:
            cookie: SimpleCookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                if morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        location = answer.headers.get("HX-Redirect") or answer.headers.get("Location") or ""
        return Response(answer.status, urlsplit(location).path, data, ms)

    def log_in(self, username: str) -> bool:
        page = self.request("GET", "/accounts/login/")
        form_token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.body)
        if page.status != 200 or form_token is None:
            return False
        done = self.request(
            "POST",
            "/accounts/login/",
            {
                "username": username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": form_token.group(1).decode(),
                "next": "/counter/",
            },
        )
        return done.status == 302 and not done.location.startswith("/accounts/login/")


TOKEN_RE = re.compile(
    rb'<input[^>]*name="token"[^>]*value="([0-9a-fA-F-]{36})"'
    rb'|<input[^>]*value="([0-9a-fA-F-]{36})"[^>]*name="token"'
)
RECEIPT_RE = re.compile(r"^/counter/receipts/([^/]+)/$")


@dataclass
class Phase:
    """What the clerks measured in one phase."""

    deadline: float
    samples: list[tuple[str, float, float]] = field(default_factory=list)  # step, ms, ended
    errors: list[str] = field(default_factory=list)
    receipts: list[str] = field(default_factory=list)


class Clerk:
    """A clerk at the counter: logs in once, then takes one customer after another, each paying
    one bill in cash: (a) the counter page, (b) a search for the bill, (c) the bill into the
    cart, (d) the cash, (e) post, (f) the receipt page."""

    def __init__(self, port: int, username: str, bills: list[BillDue]):
        self.port = port
        self.username = username
        self.bills = bills
        self.browser = Browser(port)
        self.logged_in = False

    def step(
        self, phase: Phase, name: str, method: str, path: str, fields=None, htmx=False
    ) -> Response:
        response = self.browser.request(method, path, fields, htmx=htmx)
        phase.samples.append((name, response.ms, time.perf_counter()))
        return response

    def visit(self, phase: Phase, pause: float) -> None:
        bill_id, number, due = self.bills.pop()

        def failed(what: str, response: Response | None) -> None:
            status = response.status if response else "-"
            phase.errors.append(f"{self.username} {what}: HTTP {status}")
            # Start afresh: a new session has an empty cart.
            self.browser = Browser(self.port)
            self.logged_in = False

        counter = self.step(phase, "a counter", "GET", "/counter/")
        token = TOKEN_RE.search(counter.body) if counter.status == 200 else None
        if token is None:
            return failed("GET /counter/ (or no token in its form)", counter)
        token_value = (token.group(1) or token.group(2)).decode()
        time.sleep(pause)
        # The cart's steps are htmx requests, as the counter page makes them: each answers
        # with the part of the page it changes (the post: 204 and where to go).
        found = self.step(phase, "b search", "POST", "/counter/search/", {"q": number}, htmx=True)
        if found.status != 200 or number.encode() not in found.body:
            return failed(f"search for {number} (or not found)", found)
        time.sleep(pause)
        added = self.step(
            phase, "c add bill", "POST", "/counter/cart/bills/", {"bill": bill_id}, htmx=True
        )
        if added.status != 200:
            return failed("POST /counter/cart/bills/", added)
        time.sleep(pause)
        cash = str(whole_dollars_above(due))
        tendered = self.step(
            phase,
            "d tender",
            "POST",
            "/counter/cart/tenders/",
            {"kind": "cash", "amount": cash},
            htmx=True,
        )
        if tendered.status != 200 or b"Change due" not in tendered.body:
            return failed("POST /counter/cart/tenders/", tendered)
        time.sleep(pause)
        posted = self.step(
            phase, "e post", "POST", "/counter/cart/post/", {"token": token_value}, htmx=True
        )
        if posted.status != 204 or not RECEIPT_RE.match(posted.location):
            return failed(f"POST /counter/cart/post/ (to {posted.location or 'nowhere'})", posted)
        time.sleep(pause)
        receipt = self.step(phase, "f receipt", "GET", posted.location)
        if receipt.status != 200:
            return failed(f"GET {posted.location}", receipt)
        phase.receipts.append(posted.location)
        time.sleep(pause)

    def work(self, phase: Phase, pause: float, visits: int | None, start: float = 0.0) -> None:
        """Take customers until the phase's deadline, or `visits` of them, from `start` s on."""
        time.sleep(start)
        done = 0
        while self.bills and (
            time.perf_counter() < phase.deadline if visits is None else done < visits
        ):
            done += 1
            try:
                if not self.logged_in:
                    self.logged_in = self.browser.log_in(self.username)
                    if not self.logged_in:
                        phase.errors.append(f"{self.username} could not log in")
                        time.sleep(1)
                        continue
                self.visit(phase, pause)
            except (OSError, http.client.HTTPException) as exc:
                phase.errors.append(f"{self.username}: {exc!r}")
                self.browser = Browser(self.port)
                self.logged_in = False


def run_phase(
    clerks: list[Clerk], pause: float, seconds: float = PHASE_SECONDS, visits: int | None = None
) -> Phase:
    """Every clerk at once for `seconds` (a visit under way at the end is finished), or for
    `visits` customers each."""
    phase = Phase(deadline=time.perf_counter() + seconds)
    # Clerks do not act in step: each starts at its own moment within the first pause.
    threads = [
        threading.Thread(target=c.work, args=(phase, pause, visits, pause * i / len(clerks)))
        for i, c in enumerate(clerks)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return phase


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def gunicorn_start(port: int, log) -> subprocess.Popen:
    workers = 2 * len(os.sched_getaffinity(0)) + 1  # the cores this process may use
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECRET_KEY": "bench-only-secret-key-not-for-any-server",
        # Plain HTTP on the loopback: a browser would not send a Secure cookie back.
        "SECURE_COOKIES": "false",
        # ... nor is it redirected to https:// (in production the TLS proxy stands in front).
        "SECURE_SSL_REDIRECT": "false",
    }
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "cashiering.wsgi",
            "-w",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
    )
    give_up = time.monotonic() + 60
    while time.monotonic() < give_up:
        if server.poll() is not None:
            raise RuntimeError("gunicorn stopped while starting")
        try:
            if Browser(port).request("GET", "/healthz").status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.2)
    server.terminate()
    raise RuntimeError("gunicorn did not answer /healthz within 60 s")


def counter_http(clerks, bills: list[BillDue]) -> None:
    from payments.models import Payment

    port = free_port()
    given = [bills[n::CLERKS] for n in range(CLERKS)]
    at_counter = [
        Clerk(port, user.username, list(reversed(mine)))
        for user, mine in zip(clerks, given, strict=True)
    ]
    before = Payment.objects.count()
    with tempfile.TemporaryFile() as log:
        server = gunicorn_start(port, log)
        try:
            # Not measured: the clerks log in (a password hash each, on purpose slow) and take
            # a first customer, so that every worker has loaded the code and templates.
            warm_up = run_phase(at_counter, pause=0.0, seconds=0, visits=1)
            paced = run_phase(at_counter, pause=1.0)
            flat_out = run_phase(at_counter, pause=0.0)
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        log.seek(0)
        server_log = log.read().decode(errors="replace")

    latencies = [ms for _, ms, _ in paced.samples]
    done = [ended for _, _, ended in flat_out.samples if ended <= flat_out.deadline]
    errors = warm_up.errors + paced.errors + flat_out.errors
    if latencies:
        report("counter_http_p95_ms", percentile(latencies, 95), "ms")
    report("counter_http_rps", len(done) / PHASE_SECONDS, "requests/s")
    report("counter_http_errors", len(errors), "errors")
    for title, phase in (("1 s pauses", paced), ("no pause", flat_out)):
        steps: dict[str, list[float]] = {}
        for name, ms, _ in phase.samples:
            steps.setdefault(name, []).append(ms)
        detail = ", ".join(
            f"{name} p50 {statistics.median(v):.0f} p95 {percentile(v, 95):.0f} ms"
            for name, v in sorted(steps.items())
        )
        print(f"({title}: {len(phase.receipts)} payments; {detail})")
    posted = Payment.objects.count() - before
    seen = sum(len(phase.receipts) for phase in (warm_up, paced, flat_out))
    workers = 2 * len(os.sched_getaffinity(0)) + 1
    print(f"({posted} payments posted to {workers} gunicorn workers; the clerks saw {seen})")
    for error in errors[:10]:
        print(f"(error: {error})")
    if errors and "Traceback" in server_log:
        print("(the server's log, last lines:)\n" + "\n".join(server_log.splitlines()[-40:]))


# 3. The receipt PDF


def receipt_render(receipt_number: str) -> bytes:
    """The receipt as the receipt_pdf view draws it (an 80 mm roll), less counting a reprint:
    the payment read, its context built, the template drawn by cashiering.pdf.render_pdf."""
    from cashiering.pdf import render_pdf
    from payments.selectors import payment_for_receipt
    from payments.views import receipt_context

    payment = payment_for_receipt(receipt_number)
    assert payment is not None
    return render_pdf(
        template_name="pdf/receipt.html",
        context={**receipt_context(payment, copy=False), "size": "80mm"},
        fit_page_height=True,
    )


def receipt_pdf_cold(receipt_number: str) -> None:
    """In a fresh process (started by receipt_pdf): the first receipt, its template not yet
    compiled and no font loaded. Django is set up, the modules imported and the database
    connected before the clock starts."""
    import django

    django.setup()
    from django.db import connection

    import payments.views  # noqa: F401 - imports WeasyPrint, as a server's first request does

    connection.ensure_connection()
    started = time.perf_counter()
    pdf = receipt_render(receipt_number)
    ms = (time.perf_counter() - started) * 1000
    assert pdf.startswith(b"%PDF")
    print(f"{ms:.3f}")


def receipt_pdf() -> None:
    from payments.models import Payment

    number = Payment.objects.order_by("-pk").values_list("receipt_number", flat=True).first()
    cold = subprocess.run(
        [sys.executable, __file__, "--receipt-pdf-cold", number],
        env={**os.environ, "DATABASE_URL": database_url()},
        check=True,
        capture_output=True,
        text=True,
    )
    report("receipt_pdf_cold_ms", float(cold.stdout.strip().splitlines()[-1]), "ms")
    receipt_render(number)  # this process's first: template and fonts
    times = []
    for _ in range(PDF_RENDERS):
        started = time.perf_counter()
        receipt_render(number)
        times.append((time.perf_counter() - started) * 1000)
    report("receipt_pdf_warm_ms", statistics.median(times), "ms")


def main() -> None:
    # BENCH_PARTS=ratio,pdf,http (the default: all three) runs only some of the figures.
    parts = set(os.environ.get("BENCH_PARTS", "ratio,pdf,http").split(","))
    with scratch_database():
        from ledger.selectors import ledger_violations

        ratio_bills = 2 * (PAYMENTS + WARM_UP) + 1
        http_bills = CLERKS * BILLS_PER_CLERK if "http" in parts else 0
        started = time.perf_counter()
        clerks, drawers, bills = counter_build(ratio_bills + http_bills)
        print(f"(counter and {len(bills)} bills built in {time.perf_counter() - started:.0f} s)")
        payment_record_ratio(clerks[0], drawers[0], bills[:ratio_bills])
        assert ledger_violations() == [], "the benchmark left the ledger inconsistent"
        if "pdf" in parts:
            receipt_pdf()
        if "http" in parts:
            counter_http(clerks[1:], bills[ratio_bills:])
            try:
                run_command("ledger_verify")
                clean = 1
            except subprocess.CalledProcessError:
                clean = 0
            report("ledger_verify_clean", clean, "bool")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--receipt-pdf-cold"]:
        receipt_pdf_cold(sys.argv[2])
    else:
        main()

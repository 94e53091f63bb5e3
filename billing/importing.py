# mypy: disable-error-code="arg-type, union-attr, index"
# (each row helper returns None after recording a problem; the parsers check `None in (...)`
# before building a row, a narrowing mypy cannot follow)
"""Reading the billing systems' CSV files: every row checked before anything is written.

The layouts are documented in docs/imports.md; sample files are in docs/samples/."""

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from billing.models import BillType, MeterMinimum, MeterSize, ViolationCode, WaterRate
from billing.water import billing_months, due_date_for, quarterly_charges
from cashiering.dates import us_date
from ledger.cards import contains_card_number, mask_card_numbers
from ledger.date_limits import date_check
from ledger.errors import InvalidAmount, InvalidDate
from ledger.money import MAX_AMOUNT, ZERO, parse_money

SOURCES = ("tax", "water", "parking")

COLUMNS = {
    "tax": [
        "bill_number",
        "parcel_number",
        "street_address",
        "owner_name",
        "owner_address",
        "owner_city",
        "owner_state",
        "owner_zip",
        "tax_year",
        "city_tax",
        "relevied_water",
        "relevied_sewer",
    ],
    "water": [
        "bill_number",
        "account_number",
        "customer_name",
        "service_address",
        "meter_size",
        "period_start",
        "period_end",
        "bill_date",
        "previous_reading",
        "current_reading",
        "mailing_address",
        "mailing_city",
        "mailing_state",
        "mailing_zip",
    ],
    "parking": [
        "ticket_number",
        "plate",
        "plate_state",
        "violation_code",
        "issued_on",
        "location",
        "owner_name",
        "owner_address",
        "owner_city",
        "owner_state",
        "owner_zip",
    ],
}
OPTIONAL = {
    "relevied_water",
    "relevied_sewer",
    "owner_address",
    "owner_city",
    "owner_state",
    "owner_zip",
    "mailing_address",
    "mailing_city",
    "mailing_state",
    "mailing_zip",
    "location",
}

PARCEL_RE = re.compile(r"^\d{1,3}(\.\d{1,3})?\.?-\d{1,3}-\d{1,3}(\.\d{1,3})?$")
ACCOUNT_RE = re.compile(r"^\d{2}-\d{3,8}$")
PLATE_RE = re.compile(r"^[A-Z0-9]{2,8}$")
STATE_RE = re.compile(r"^[A-Z]{2}$")
NUMBER_RE = re.compile(r"^[A-Za-z0-9-]{1,24}$")
CARD_PROBLEM = "holds what looks like a full card number (never put card numbers in a file)"
ISO_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
MAX_ROWS = 1_000_000


@dataclass
class Party:
    name: str
    address: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""


@dataclass
class BillRow:
    """A checked row, ready to write: the bill(s) it makes and what they refer to."""

    line: int
    number: str
    bill_type: str
    party: Party
    description: str
    issue_date: date
    due_date: date
    charges: list[tuple[str, Decimal, str]]  # (charge type code, amount, description)
    details: dict = field(default_factory=dict)
    parcel: tuple[str, str] | None = None  # (parcel number, street address)
    water_account: tuple[str, str, str] | None = None  # (number, service address, meter size)
    vehicle: tuple[str, str] | None = None  # (plate, state)
    violation_code: str = ""


@dataclass
class Parsed:
    rows: list[BillRow]
    errors: list[dict]
    total_rows: int


class _Row:
    """One CSV row with helpers that record a problem and return None on bad input."""

    def __init__(self, line: int, values: dict[str, str], errors: list[dict]):
        self.line, self.values, self.errors = line, values, errors

    def problem(self, column: str, message: str) -> None:
        # A message may quote the cell; a card number in it is never written down.
        problem = {"line": self.line, "column": column, "problem": mask_card_numbers(message)}
        self.errors.append(problem)

    def text(
        self,
        column: str,
        *,
        max_length: int = 200,
        pattern: re.Pattern | None = None,
        upper: bool = False,
    ) -> str | None:
        value = (self.values.get(column) or "").strip()
        if upper:
            value = value.upper()
        if not value:
            if column in OPTIONAL:
                return ""
            self.problem(column, "is empty")
            return None
        if len(value) > max_length:
            self.problem(column, f"is longer than {max_length} characters")
            return None
        if pattern is not None and not pattern.match(value):
            self.problem(column, f"{value!r} is not in the expected form")
            return None
        return value

    def money(self, column: str) -> Decimal | None:
        raw = (self.values.get(column) or "").strip()
        if not raw and column in OPTIONAL:
            return ZERO
        try:
            return parse_money(raw)  # the one money parser: "12,50" and "1E5" are refused
        except InvalidAmount as exc:
            self.problem(column, exc.message)
            return None

    def day(self, column: str) -> date | None:
        raw = (self.values.get(column) or "").strip()
        try:
            if not ISO_DATE_RE.fullmatch(raw):
                raise ValueError(raw)
            return date_check(date.fromisoformat(raw), what="The date")
        except ValueError:
            self.problem(column, f"{raw[:40]!r} is not a date (YYYY-MM-DD)")
        except InvalidDate as exc:
            self.problem(column, exc.message)
        return None

    def whole(self, column: str, *, low: int, high: int) -> int | None:
        raw = (self.values.get(column) or "").strip()
        if not (raw.isascii() and raw.isdigit()) or not low <= int(raw) <= high:
            self.problem(column, f"{raw!r} is not a whole number from {low} to {high}")
            return None
        return int(raw)

    def party(self, name: str, address: str, city: str, state: str, zip_: str) -> Party | None:
        values = [
            self.text(name),
            self.text(address),
            self.text(city, max_length=100),
            self.text(state, max_length=2, upper=True),
            self.text(zip_, max_length=10),
        ]
        if any(v is None for v in values):
            return None
        return Party(*values)


def _tax(row: _Row, context: dict) -> list[BillRow]:
    number = row.text("bill_number", pattern=NUMBER_RE, upper=True)
    parcel = row.text("parcel_number", max_length=30, pattern=PARCEL_RE)
    street = row.text("street_address")
    party = row.party("owner_name", "owner_address", "owner_city", "owner_state", "owner_zip")
    year = row.whole("tax_year", low=2000, high=2100)
    charges = {c: row.money(c) for c in ("city_tax", "relevied_water", "relevied_sewer")}
    if charges["city_tax"] == 0:
        row.problem("city_tax", "is zero")
        return []
    if None in (number, parcel, street, party, year) or None in charges.values():
        return []
    # Two installments, each charge split to the cent (the odd cent in the first). A tax so
    # small that the second installment would be $0.00 (a $0.01 tax) is one installment.
    split = []
    for installment in (1, 2):
        parts = []
        for code, amount in charges.items():
            assert amount is not None
            first = (amount / 2).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
            share = first if installment == 1 else amount - first
            if share > 0:
                label = code.replace("_", " ").capitalize()
                parts.append((code, share, f"{label}, installment {installment}"))
        if parts:
            split.append(parts)
    dues = (date(year, 1, 31), date(year, 6, 30))
    return [
        BillRow(
            line=row.line,
            number=f"{number}-{installment}",
            bill_type=BillType.PROPERTY_TAX,
            party=party,
            description=f"{year} city tax, installment {installment} of {len(split)}",
            issue_date=date(year, 1, 1),
            due_date=dues[installment - 1],
            charges=parts,
            details={"tax_year": year, "installment": installment},
            parcel=(parcel, street),
        )
        for installment, parts in enumerate(split, start=1)
    ]


def _water(row: _Row, context: dict) -> list[BillRow]:
    number = row.text("bill_number", pattern=NUMBER_RE, upper=True)
    account = row.text("account_number", max_length=20, pattern=ACCOUNT_RE)
    name = row.text("customer_name")
    service = row.text("service_address")
    meter = row.text("meter_size", max_length=4)
    if meter is not None and meter not in MeterSize.values:
        row.problem("meter_size", f"{meter!r} is not one of {', '.join(MeterSize.values)}")
        meter = None
    start, end, billed = row.day("period_start"), row.day("period_end"), row.day("bill_date")
    previous = row.whole("previous_reading", low=0, high=99_999_999)
    current = row.whole("current_reading", low=0, high=99_999_999)
    mailing = [row.text(c, max_length=100) for c in ("mailing_address", "mailing_city")]
    state = row.text("mailing_state", max_length=2, upper=True)
    zip_ = row.text("mailing_zip", max_length=10)
    if start and end and start > end:
        row.problem("period_end", "is before period_start")
        return []
    if previous is not None and current is not None and current < previous:
        row.problem("current_reading", "is below previous_reading")
        return []
    due = None
    if account and billed:
        prefix = int(account.split("-")[0])
        if billing_months(prefix) is None:
            row.problem("account_number", f"prefix {prefix:02d} belongs to no billing zone")
        else:
            try:
                due = due_date_for(prefix, billed)
            except ValueError as exc:
                row.problem("bill_date", str(exc))
            else:
                if due < billed:
                    row.problem(
                        "bill_date",
                        f"{us_date(billed)} is after the due date of its billing month "
                        f"({us_date(due)}); a bill cannot fall due before it is issued",
                    )
                    due = None
    rate = context["rate"](end) if end else None
    minimum = context["minimum"](meter, end) if meter and end else None
    if end and rate is None:
        row.problem("period_end", f"no water rate is in effect on {us_date(end)}")
    if meter and end and minimum is None:
        row.problem("meter_size", f"no minimum charge for a {meter} meter on {us_date(end)}")
    if (
        None
        in (
            number,
            account,
            name,
            service,
            meter,
            start,
            end,
            billed,
            previous,
            current,
            state,
            zip_,
            due,
            rate,
            minimum,
        )
        or None in mailing
    ):
        return []
    assert rate is not None and minimum is not None and current is not None and previous is not None
    usage = current - previous
    charges = quarterly_charges(
        usage_units=usage,
        allowance_units=minimum.allowance_units,
        water_minimum=minimum.water_minimum,
        sewer_minimum=minimum.sewer_minimum,
        water_per_unit=rate.water_per_unit,
        sewer_per_unit=rate.sewer_per_unit,
    )
    return [
        BillRow(
            line=row.line,
            number=number,
            bill_type=BillType.WATER_SEWER,
            party=Party(name, mailing[0] or "", mailing[1] or "", state, zip_),
            description=f"Water & sewer, {us_date(start)} to {us_date(end)}",
            issue_date=billed,
            due_date=due,
            charges=[
                ("water", charges.water, f"Water, {usage} units"),
                ("sewer", charges.sewer, f"Sewer, {usage} units"),
            ],
            details={
                "period_start": start,
                "period_end": end,
                "previous_reading": previous,
                "current_reading": current,
            },
            water_account=(account, service, meter),
        )
    ]


def _parking(row: _Row, context: dict) -> list[BillRow]:
    number = row.text("ticket_number", pattern=NUMBER_RE, upper=True)
    plate = row.text("plate", max_length=8, upper=True, pattern=PLATE_RE)
    state = row.text("plate_state", max_length=2, upper=True, pattern=STATE_RE)
    code = row.text("violation_code", max_length=10)
    issued = row.day("issued_on")
    location = row.text("location")
    party = row.party("owner_name", "owner_address", "owner_city", "owner_state", "owner_zip")
    violation = context["violations"].get(code) if code else None
    if code and violation is None:
        row.problem("violation_code", f"{code!r} is not an active violation code")
    if issued and issued > context["today"]:
        row.problem("issued_on", "is in the future")
        return []
    if None in (number, plate, state, issued, location, party, violation):
        return []
    assert violation is not None
    return [
        BillRow(
            line=row.line,
            number=number,
            bill_type=BillType.PARKING,
            party=party,
            description=f"Parking ticket: {violation.description}",
            issue_date=issued,
            due_date=issued,
            charges=[],  # the fine depends on the plate's history: set when written
            details={"violation_location": location or ""},
            vehicle=(plate, state),
            violation_code=violation.code,
        )
    ]


PARSERS: dict[str, Callable[[_Row, dict], list[BillRow]]] = {
    "tax": _tax,
    "water": _water,
    "parking": _parking,
}


def _lookups(today: date) -> dict:
    rates = list(WaterRate.objects.order_by("-effective_from"))
    minimums = list(MeterMinimum.objects.order_by("-effective_from"))
    return {
        "today": today,
        "violations": {v.code: v for v in ViolationCode.objects.filter(is_active=True)},
        "rate": lambda on: next((r for r in rates if r.effective_from <= on), None),
        "minimum": lambda size, on: next(
            (m for m in minimums if m.meter_size == size and m.effective_from <= on), None
        ),
    }


def parse(
    source: str, content: bytes, *, today: date, progress: Callable[[int], None] | None = None
) -> Parsed:
    """Check every row of a file; returns the rows to write and every problem found."""
    errors: list[dict] = []
    if b"\x00" in content:
        problem = "the file has NUL characters: it is not a text CSV file"
        return Parsed([], [{"line": 0, "column": "", "problem": problem}], 0)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return Parsed([], [{"line": 0, "column": "", "problem": "the file is not UTF-8 text"}], 0)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in COLUMNS[source] if c not in header]
    if missing:
        return Parsed(
            [],
            [
                {
                    "line": 1,
                    "column": ", ".join(missing),
                    "problem": "the header lacks these columns",
                }
            ],
            0,
        )
    reader.fieldnames = header
    context = _lookups(today)
    parser = PARSERS[source]
    rows: list[BillRow] = []
    numbers: dict[str, int] = {}
    count = 0
    try:
        for count, values in enumerate(reader, start=1):
            if count > MAX_ROWS:
                errors.append(
                    {
                        "line": count + 1,
                        "column": "",
                        "problem": f"more than {MAX_ROWS:,} rows; split the file",
                    }
                )
                break
            if None in values:
                errors.append(
                    {
                        "line": count + 1,
                        "column": "",
                        "problem": "the row has more fields than the header",
                    }
                )
                continue
            cards = [column for column, value in values.items() if contains_card_number(value)]
            if cards:
                for column in cards:
                    errors.append({"line": count + 1, "column": column, "problem": CARD_PROBLEM})
                continue
            for bill in parser(_Row(count + 1, values, errors), context):
                if bill.number in numbers:
                    errors.append(
                        {
                            "line": count + 1,
                            "column": COLUMNS[source][0],
                            "problem": f"{bill.number} repeats line {numbers[bill.number]}",
                        }
                    )
                numbers[bill.number] = count + 1
                rows.append(bill)
            if progress and count % 5000 == 0:
                progress(count)
    except csv.Error as exc:
        errors.append({"line": count + 1, "column": "", "problem": f"unreadable CSV: {exc}"})
    if count == 0 and not errors:
        errors.append({"line": 2, "column": "", "problem": "the file has no rows"})
    # What one bill, and one ledger entry, can hold (NUMERIC(14,2)).
    for bill in rows:
        if sum(amount for _, amount, _ in bill.charges) > MAX_AMOUNT:
            errors.append(
                {"line": bill.line, "column": "", "problem": "the bill's total is too large"}
            )
    if sum(amount for bill in rows for _, amount, _ in bill.charges) > MAX_AMOUNT:
        errors.append(
            {
                "line": 0,
                "column": "",
                "problem": "the file's bills add up to more than one entry can post; split it",
            }
        )
    return Parsed(rows, errors, count)


def issue_date_window(rows: list[BillRow]) -> tuple[date, date] | None:
    if not rows:
        return None
    return min(r.issue_date for r in rows) - timedelta(days=548), max(r.issue_date for r in rows)

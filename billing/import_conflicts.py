"""An import's bills already on file, compared with what the file says of them field by field."""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from billing.importing import COLUMNS, BillRow
from billing.models import Bill, BillLine, BillType
from ledger.money import ZERO, format_money


@dataclass(frozen=True)
class _Fact:
    """Something the file says of a bill that the bill on file records: its label in the
    report, the file's column it comes from (or is worked out from), and how to read it off the
    bill on file and off the file's row."""

    label: str
    column: str
    on_file: Callable[[Bill], Any]
    in_file: Callable[[BillRow], Any]
    # The import matches owners by name and mailing address whatever their case.
    same: Callable[[Any, Any], bool] = lambda ours, theirs: ours == theirs


def _same_text(ours: str, theirs: str) -> bool:
    return ours.upper() == theirs.upper()


def _owner(name: str, mailing: str, dates: str) -> list[_Fact]:
    """The owner's name and mailing address (columns `name` and `<mailing>_address`, `_city`,
    `_state`, `_zip`), and the bill's dates (worked out from the column `dates`)."""

    def customer(label: str, column: str, field: str, party: str) -> _Fact:
        return _Fact(
            label,
            column,
            lambda b: getattr(b.customer, field),
            lambda r: getattr(r.party, party),
            _same_text,
        )

    return [
        customer("owner", name, "name", "name"),
        customer("mailing address", f"{mailing}_address", "address_line1", "address"),
        customer("city", f"{mailing}_city", "city", "city"),
        customer("state", f"{mailing}_state", "state", "state"),
        customer("ZIP code", f"{mailing}_zip", "postal_code", "postal_code"),
        _Fact("issue date", dates, lambda b: b.issue_date, lambda r: r.issue_date),
        _Fact("due date", dates, lambda b: b.due_date, lambda r: r.due_date),
    ]


def _detail(label: str, column: str) -> _Fact:
    return _Fact(label, column, lambda b: getattr(b, column), lambda r: r.details.get(column))


FACTS: dict[str, list[_Fact]] = {
    BillType.PROPERTY_TAX: [
        *_owner("owner_name", "owner", "tax_year"),
        _Fact(
            "parcel",
            "parcel_number",
            lambda b: b.property.parcel_number if b.property else None,
            lambda r: r.parcel[0] if r.parcel else None,
        ),
        _detail("tax year", "tax_year"),
    ],
    BillType.WATER_SEWER: [
        *_owner("customer_name", "mailing", "bill_date"),
        _Fact(
            "account",
            "account_number",
            lambda b: b.water_account.number if b.water_account else None,
            lambda r: r.water_account[0] if r.water_account else None,
        ),
        _detail("period start", "period_start"),
        _detail("period end", "period_end"),
        _detail("previous reading", "previous_reading"),
        _detail("current reading", "current_reading"),
    ],
    BillType.PARKING: [
        *_owner("owner_name", "owner", "issued_on"),
        _Fact(
            "plate",
            "plate",
            lambda b: f"{b.vehicle.plate} {b.vehicle.state}" if b.vehicle else None,
            lambda r: " ".join(r.vehicle) if r.vehicle else None,
        ),
        _Fact(
            "violation",
            "violation_code",
            lambda b: b.violation.code if b.violation else None,
            lambda r: r.violation_code,
        ),
        _Fact(
            "location",
            "location",
            lambda b: b.violation_location,
            lambda r: r.details.get("violation_location", ""),
        ),
    ],
}


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "none"
    if isinstance(value, Decimal):
        return format_money(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _listed(parts: list[str]) -> str:
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


def _kind_of_bill(bill_type: str, principal: Decimal | None, violation: str, plate: str) -> str:
    kind = BillType(bill_type).label.lower()
    if bill_type == BillType.PARKING:
        return f"a {kind} for violation {violation} on plate {plate}"
    return f"a {kind} of {format_money(principal or ZERO)}"


def _charges_of_row(row: BillRow) -> dict[str, Decimal]:
    charges: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for code, amount, _ in row.charges:
        charges[code] += amount
    return charges


def _differences(
    bill: Bill, charges: dict[str, Decimal], row: BillRow, source: str
) -> list[tuple[str, str, str]]:
    """(column, on file, in the file) for each fact of `row` that `bill` records otherwise."""
    found = []
    for fact in FACTS[row.bill_type]:
        ours, theirs = fact.on_file(bill), fact.in_file(row)
        if not fact.same(ours, theirs):
            found.append(
                (fact.column, f"{fact.label} {_shown(ours)}", f"{fact.label} {_shown(theirs)}")
            )
    # A ticket's fine is not in the file: it is worked out from the plate's history when written.
    if row.bill_type != BillType.PARKING:
        in_file = _charges_of_row(row)
        for code in [*in_file, *(c for c in charges if c not in in_file)]:
            ours, theirs = charges.get(code, ZERO), in_file.get(code, ZERO)
            if ours != theirs:
                label = code.replace("_", " ")
                column = code if code in COLUMNS[source] else ""
                found.append((column, f"{label} {_shown(ours)}", f"{label} {_shown(theirs)}"))
    return found


def _conflict(row: BillRow, source: str, column: str, on_file: str, ours: str, theirs: str) -> dict:
    return {
        "line": row.line,
        "column": column or COLUMNS[source][0],
        "problem": f"conflict: bill {row.number} is on file {on_file} {ours}; "
        f"the file says {theirs}",
        "bill": row.number,
        "on_file": ours,
        "in_file": theirs,
    }


def conflicts_with_file(rows: list[BillRow], *, source: str) -> tuple[set[str], list[dict]]:
    """The bill numbers of the file already on file, and the conflicts among them: a number on
    file as another kind of bill, or with another owner (name, mailing address, city, state,
    ZIP code), dates, parcel, account, plate, violation, location, period, readings or charge
    (each charge line's code and amount). A bill on file just as the file says is skipped
    (re-importing is safe); a conflict rejects the file, listing the line, the bill, what is on
    file and what the file says, one entry per bill naming every difference."""
    bills = {
        bill.number: bill
        for bill in Bill.objects.filter(number__in=[r.number for r in rows]).select_related(
            "customer", "property", "water_account", "vehicle", "violation"
        )
    }
    charges: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(lambda: ZERO))
    for number, code, amount in BillLine.objects.filter(bill__number__in=list(bills)).values_list(
        "bill__number", "charge_type__code", "amount"
    ):
        charges[number][code] += amount
    conflicts = []
    for row in rows:
        bill = bills.get(row.number)
        if bill is None:
            continue
        if bill.bill_type != row.bill_type:
            ours = _kind_of_bill(
                bill.bill_type,
                bill.principal,
                bill.violation.code if bill.violation else "",
                f"{bill.vehicle.plate} {bill.vehicle.state}" if bill.vehicle else "",
            )
            theirs = _kind_of_bill(
                row.bill_type,
                sum((amount for _, amount, _ in row.charges), ZERO),
                row.violation_code,
                " ".join(row.vehicle or ()),
            )
            conflicts.append(_conflict(row, source, "", "as", ours, theirs))
            continue
        found = _differences(bill, charges[row.number], row, source)
        if found:
            columns = ", ".join(dict.fromkeys(column for column, _, _ in found if column))
            conflicts.append(
                _conflict(
                    row,
                    source,
                    columns,
                    "with",
                    _listed([ours for _, ours, _ in found]),
                    _listed([theirs for _, _, theirs in found]),
                )
            )
    return set(bills), conflicts

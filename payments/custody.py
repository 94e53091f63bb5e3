"""Where a check tender is now (drawer, safe, deposit bag, bank): the account a returned check
is taken back from. Reconciliation, which moves checks out of drawers, registers the answer;
payments depends on nothing above it (ARCHITECTURE.md: apps depend downward only)."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ledger.models import Account


@dataclass(frozen=True)
class CheckLocation:
    """The account holding a check now, with the sub-ledger ids its lines name: `office_id` for
    the safe and deposits in transit, `drawer_id` for a drawer. `where` is said to the clerk
    ("the safe", "deposit bag 1234 in transit", "the bank")."""

    account: Account
    where: str
    office_id: int | None = None
    drawer_id: int | None = None


# tender -> CheckLocation; raises payments.errors.NotReversible when the check cannot be taken
# back where it is (still in an open drawer: void instead; in a bag being prepared).
CheckLocator = Callable[[Any], CheckLocation]
_locator: list[CheckLocator] = []


def register_check_locator(locator: CheckLocator) -> None:
    """Reconciliation's answer replaces the default (the operating bank account)."""
    _locator[:] = [locator]


def check_location(tender: object) -> CheckLocation:
    """Where `tender` (a check `payments.models.Tender`) is now. Without a registered locator:
    the operating bank account 1100, as before reconciliation existed."""
    if _locator:
        return _locator[0](tender)
    return CheckLocation(Account.objects.get(code="1100"), "the bank")


# (movement, handed_by, received_by) -> None: reconciliation records each cash drop and pickup
# as a hand-over into the safe (its CustodyTransfer), in the movement's transaction.
MovementRecorder = Callable[[Any, Any, Any], None]
_movement_recorder: list[MovementRecorder] = []


def register_movement_recorder(recorder: MovementRecorder) -> None:
    """Reconciliation's recorder of hand-overs; payments depends on nothing above it."""
    _movement_recorder[:] = [recorder]


def movement_recorded(movement: object, handed_by: object, received_by: object) -> None:
    """Tell the registered recorder (if any) that cash went from a drawer into the safe."""
    for recorder in _movement_recorder:
        recorder(movement, handed_by, received_by)

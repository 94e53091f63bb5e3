"""The office's reconciliation settings an Admin edits: blind close and the over/short tolerance
(payments.forms.OfficeAdminForm)."""

from decimal import Decimal

import pytest

from payments.forms import OfficeAdminForm
from payments.models import Office


def form_for(office: Office, tolerance: str, blind: bool = True) -> OfficeAdminForm:
    data = {
        "code": office.code,
        "name": office.name,
        "address": "",
        "phone": "",
        "check_clearing_days": 10,
        "over_short_tolerance": tolerance,
        "idle_timeout_minutes": 15,
    }
    if blind:
        data["blind_close"] = "on"
    return OfficeAdminForm(data=data, instance=office)


@pytest.mark.django_db
def test_an_admin_sets_the_tolerance_and_turns_blind_close_off(office):
    # when an Admin sets a tolerance of $2.50 and turns blind close off
    form = form_for(office, "$2.50", blind=False)
    assert form.is_valid(), form.errors
    form.save()

    # then the office keeps both
    office.refresh_from_db()
    assert (office.over_short_tolerance, office.blind_close) == (Decimal("2.50"), False)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("typed", "message"),
    [("-1.00", "-1.00"), ("1E5", "1E5"), ("5.001", "5.001"), ("12,50", "12,50")],
)
def test_a_tolerance_that_is_not_money_is_refused(office, typed, message):
    form = form_for(office, typed)
    assert not form.is_valid()
    assert message in str(form.errors["over_short_tolerance"])


@pytest.mark.django_db
def test_a_zero_tolerance_means_every_difference_needs_a_sign_off(office):
    form = form_for(office, "0.00")
    assert form.is_valid(), form.errors

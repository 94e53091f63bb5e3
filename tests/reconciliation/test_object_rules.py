"""Trainees see no reports (reconciliation.views, and the ledger's and counter's money lists):
no daily balancing report, month end, custody, deposits, exports, trial balance or any other
page, CSV or PDF listing money beyond their own receipts."""

import pytest
from django.urls import reverse

from tests.reconciliation.flows import drawer_closed

# Report pages, files and PDFs, with a primary key where they name one (the page refuses a
# Trainee before it looks the object up).
REPORTS = [
    ("reconciliation:daily", []),
    ("reconciliation:daily_training", []),
    ("reconciliation:daily_pdf", []),
    ("reconciliation:daily_csv", []),
    ("reconciliation:day_history", []),
    ("reconciliation:day_signoff_pdf", [1]),
    ("reconciliation:month_end", []),
    ("reconciliation:exports", []),
    ("reconciliation:gl_export", []),
    ("reconciliation:revenue", []),
    ("reconciliation:postings", []),
    ("reconciliation:referrals", []),
    ("reconciliation:vendor_payments", []),
    ("reconciliation:custody", []),
    ("reconciliation:deposits", []),
    ("reconciliation:deposit", [1]),
    ("reconciliation:deposit_slip", [1]),
    ("reconciliation:drawers_open", []),
    ("reconciliation:drawers_closed", []),
    ("reconciliation:sign_off_queue", []),
    ("reconciliation:statement_matching", []),
    ("ledger:trial_balance", []),
    ("ledger:account", ["1000"]),
    ("payments:approvals", []),
    ("payments:remittance_exceptions", []),
    ("billing:plans_at_risk", []),
]


@pytest.mark.parametrize(("name", "args"), REPORTS, ids=[name for name, _ in REPORTS])
def test_a_trainee_sees_no_report(client, office, trainee, name, args):
    client.force_login(trainee)

    response = client.get(reverse(name, args=args))

    assert response.status_code == 403, name


def test_a_trainee_cannot_see_another_clerks_drawer_close(
    client, office, clerk, trainee, supervisor, drawer
):
    # given the Clerk's drawer, counted and closed
    close = drawer_closed(drawer, receiver=supervisor)
    client.force_login(trainee)

    # when a Trainee opens its result or its PDF
    for name in ("reconciliation:close_result", "reconciliation:close_pdf"):
        response = client.get(reverse(name, args=[close.pk]))

        # then there is no such close for them
        assert response.status_code == 404, name


def test_the_daily_report_is_the_supervisors(client, office, supervisor):
    client.force_login(supervisor)

    assert client.get(reverse("reconciliation:daily")).status_code == 200

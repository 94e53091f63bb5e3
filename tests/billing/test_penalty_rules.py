"""Penalty rules as versions: penalties assessed are named by rule (a back-dated rule never
charges an event twice), a rule a bill falls under keeps its terms (a database trigger), a
change is a new version (billing.services.penalty_rule_revise), the end of a rule bills follow
never moves later, two versions of one penalty never overlap, and the admin refuses what the
rest of the app cannot use, with a message."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.forms.models import model_to_dict
from django.urls import reverse

from billing.admin import PenaltyRuleForm
from billing.errors import BillingError
from billing.models import BillType, ChargeType, PenaltyAssessment, PenaltyRule
from billing.selectors import amount_due
from billing.services import (
    Charge,
    RuleTerms,
    bill_issue,
    penalty_assessment_record,
    penalty_rule_revise,
    penalty_waive,
)


def _tax_bill(customer, by, *, number="T-1", due=date(2026, 1, 31), amount="1000.00"):
    return bill_issue(
        number=number,
        bill_type=BillType.PROPERTY_TAX,
        source="test",
        customer=customer,
        description="City tax",
        issue_date=date(2026, 1, 1),
        due_date=due,
        charges=[Charge(ChargeType.objects.get(code="city_tax"), Decimal(amount))],
        by=by,
    )


def _rule(bill_type, kind):
    return PenaltyRule.objects.get(bill_type=bill_type, kind=kind)


def test_a_back_dated_rule_never_charges_an_assessed_event_twice(reference, dana, supervisor):
    # given a tax bill whose October 1 penalty (15%) was assessed, then waived, on October 5
    bill = _tax_bill(dana, supervisor)
    penalty_waive(bill=bill, reason="Hospital stay", by=supervisor, as_of=date(2026, 10, 5))
    october = _rule(BillType.PROPERTY_TAX, "percent_on_date")
    # when a 5% penalty after the due date is added, back-dated to before the bill's due date
    added = PenaltyRule.objects.create(
        bill_type=BillType.PROPERTY_TAX,
        kind="percent_after_due",
        percent=Decimal("5"),
        effective_from=date(2020, 1, 1),
    )
    # then only the new rule's event is charged (5% of 1,000.00), not October's 15% again
    bill.refresh_from_db()
    due = amount_due(bill, date(2026, 10, 5))
    assert (due.new_penalty, due.new_penalty_rules) == (Decimal("50.00"), frozenset({added.pk}))
    assert due.penalty_rules == frozenset({added.pk, october.pk})
    # and the database refuses to record an event twice
    with pytest.raises(BillingError, match="already assessed"):
        penalty_assessment_record(bill=bill, rule_ids=[october.pk], entry=None)


def test_each_penalty_event_is_assessed_once_in_the_database(reference, dana, supervisor):
    bill = _tax_bill(dana, supervisor)
    october = _rule(BillType.PROPERTY_TAX, "percent_on_date")
    PenaltyAssessment.objects.create(bill=bill, rule=october)
    with pytest.raises(IntegrityError, match="penalty_assessed_once"), transaction.atomic():
        PenaltyAssessment.objects.create(bill=bill, rule=october)


@pytest.mark.django_db(transaction=True)
def test_a_rule_a_bill_falls_under_keeps_its_terms(reference, dana, supervisor):
    # given the demo's 1% tax interest, and a bill due under it
    interest = _rule(BillType.PROPERTY_TAX, "monthly_interest")
    _tax_bill(dana, supervisor, due=date(2026, 6, 30))
    # then its terms cannot change, nor can it be deleted or ended before the bill's due date
    refusals = [
        ({"percent": Decimal("1.5")}, "its terms cannot change"),
        ({"extend_to_business_day": False}, "its terms cannot change"),
        ({"effective_from": date(2001, 1, 1)}, "its terms cannot change"),
        ({"effective_to": date(2026, 6, 29)}, "cannot end on 2026-06-29"),
    ]
    for change, message in refusals:
        with pytest.raises(DatabaseError, match=message), transaction.atomic():
            PenaltyRule.objects.filter(pk=interest.pk).update(**change)
    with pytest.raises(DatabaseError, match="cannot be deleted"), transaction.atomic():
        PenaltyRule.objects.filter(pk=interest.pk).delete()
    # but its description may change, and it may end once no bill on file would leave it
    PenaltyRule.objects.filter(pk=interest.pk).update(
        description="RPTL 924-a", effective_to=date(2026, 6, 30)
    )
    interest.refresh_from_db()
    assert (interest.description, interest.effective_to) == ("RPTL 924-a", date(2026, 6, 30))


@pytest.mark.django_db(transaction=True)
def test_a_rule_no_bill_falls_under_can_still_be_corrected(reference, dana, supervisor):
    _tax_bill(dana, supervisor, due=date(2026, 6, 30))
    typo = PenaltyRule.objects.create(
        bill_type=BillType.PROPERTY_TAX,
        kind="fixed_after_days",
        amount=Decimal("25.00"),
        days=10,
        effective_from=date(2027, 1, 1),
    )
    PenaltyRule.objects.filter(pk=typo.pk).update(amount=Decimal("5.00"))
    PenaltyRule.objects.filter(pk=typo.pk).delete()
    assert not PenaltyRule.objects.filter(pk=typo.pk).exists()


def test_a_change_of_the_law_is_a_new_version(reference, dana, supervisor):
    # given a bill due June 30 under the 1% interest rule
    old_bill = _tax_bill(dana, supervisor, number="T-OLD", due=date(2026, 6, 30))
    interest = _rule(BillType.PROPERTY_TAX, "monthly_interest")
    # a version taking effect before that due date is refused, naming why
    with pytest.raises(BillingError, match="1 bill on file falling due on or after 06/01/2026"):
        penalty_rule_revise(
            rule=interest,
            effective_from=date(2026, 6, 1),
            terms=RuleTerms(kind="monthly_interest", percent=Decimal("1.5")),
        )
    # when 1.5% takes effect July 1
    new = penalty_rule_revise(
        rule=interest,
        effective_from=date(2026, 7, 1),
        terms=RuleTerms(kind="monthly_interest", percent=Decimal("1.5"), description="Law 7"),
    )
    interest.refresh_from_db()
    assert (interest.effective_to, new.effective_from) == (date(2026, 6, 30), date(2026, 7, 1))
    # then the old bill keeps 1% and a bill due later pays 1.5% (two months: 2 x 15.00)
    new_bill = _tax_bill(dana, supervisor, number="T-NEW", due=date(2026, 7, 31))
    assert amount_due(old_bill, date(2026, 8, 31)).interest == Decimal("20.00")
    assert amount_due(new_bill, date(2026, 9, 1)).interest == Decimal("30.00")


def test_overlapping_interest_rules_are_refused(reference):
    # the demo's 1% tax interest runs from 2000 with no end
    second = PenaltyRule(
        bill_type=BillType.PROPERTY_TAX,
        kind="monthly_interest",
        percent=Decimal("2"),
        effective_from=date(2026, 7, 1),
    )
    with pytest.raises(ValidationError, match="Another interest rule of this bill type"):
        second.full_clean()
    with pytest.raises(IntegrityError, match="interest_rules_do_not_overlap"), transaction.atomic():
        second.save()
    # a penalty over the same dates, or interest on another bill type, is no overlap
    PenaltyRule.objects.create(
        bill_type=BillType.PROPERTY_TAX,
        kind="percent_after_due",
        percent=Decimal("2"),
        effective_from=date(2026, 7, 1),
    )
    PenaltyRule.objects.create(
        bill_type=BillType.WATER_SEWER,
        kind="monthly_interest",
        percent=Decimal("1"),
        effective_from=date(2026, 7, 1),
    )


@pytest.mark.parametrize(
    ("terms", "constraint"),
    [
        ({"kind": "percent_on_date", "percent": Decimal("15")}, "penalty_rule_has_its_terms"),
        (
            {"kind": "percent_on_date", "percent": Decimal("15"), "month": 10},
            "penalty_rule_has_its_terms",
        ),
        ({"kind": "monthly_interest"}, "penalty_rule_has_its_terms"),
        ({"kind": "fixed_after_days", "days": 20}, "penalty_rule_has_its_terms"),
        (
            {
                "kind": "percent_after_due",
                "percent": Decimal("5"),
                "effective_to": date(9999, 1, 1),
            },
            "penalty_rule_dates_computable",
        ),
    ],
)
def test_the_database_refuses_a_rule_the_app_cannot_use(reference, terms, constraint):
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        PenaltyRule.objects.create(
            bill_type=BillType.INVOICE, effective_from=date(2026, 1, 1), **terms
        )


def _rule_form(**values) -> dict:
    form = {
        "bill_type": BillType.INVOICE,
        "kind": "percent_on_date",
        "percent": "15",
        "amount": "",
        "days": "",
        "month": "",
        "day": "",
        "extend_to_business_day": "on",
        "effective_from": "2026-01-01",
        "effective_to": "",
        "description": "",
        "_save": "Save",
    }
    return form | values


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({}, "needs its month and day"),
        ({"month": "10"}, "needs its month and day"),
        ({"month": "2", "day": "30"}, "Month 2 has no day 30"),
        ({"kind": "monthly_interest", "bill_type": BillType.PROPERTY_TAX}, "Another interest rule"),
        (
            {"kind": "percent_after_due", "effective_from": "0001-01-01"},
            "outside the dates the books use",
        ),
    ],
)
def test_the_admin_refuses_a_rule_the_app_cannot_use(
    client, admin_user, reference, values, message
):
    client.force_login(admin_user)
    before = PenaltyRule.objects.count()
    response = client.post(reverse("admin:billing_penaltyrule_add"), _rule_form(**values))
    assert response.status_code == 200
    assert message in response.text
    assert PenaltyRule.objects.count() == before


def test_the_admin_saves_a_delinquency_date_with_its_month_and_day(client, admin_user, reference):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:billing_penaltyrule_add"), _rule_form(month="10", day="1")
    )
    assert response.status_code == 302
    assert PenaltyRule.objects.filter(bill_type=BillType.INVOICE, month=10, day=1).exists()


def test_the_admin_says_why_a_rule_in_use_cannot_be_edited(client, admin_user, reference, dana):
    interest = _rule(BillType.PROPERTY_TAX, "monthly_interest")
    _tax_bill(dana, admin_user, due=date(2026, 6, 30))
    client.force_login(admin_user)
    url = reverse("admin:billing_penaltyrule_change", args=[interest.pk])
    page = client.get(url).text
    assert "1 bill on file follows this rule, so its terms cannot be changed" in page
    assert 'name="percent"' not in page  # shown, not editable
    # ending it before the bill's due date is refused with a message, not an error page
    response = client.post(url, {"effective_to": "2026-06-01", "description": "", "_save": "Save"})
    assert response.status_code == 200
    assert "falling due as late as 06/30/2026 follow this rule" in response.text
    response = client.post(url, {"effective_to": "2026-12-31", "description": "", "_save": "Save"})
    assert response.status_code == 302
    interest.refresh_from_db()
    assert interest.effective_to == date(2026, 12, 31)


def _water_bill(customer, by, *, number, due):
    return bill_issue(
        number=number,
        bill_type=BillType.WATER_SEWER,
        source="test",
        customer=customer,
        description="Water & sewer",
        issue_date=date(2026, 1, 5),
        due_date=due,
        charges=[Charge(ChargeType.objects.get(code="water"), Decimal("100.00"))],
        by=by,
    )


def _water_penalty_raised_to_12_percent_from_june(customer, by):
    """The demo's 10% water penalty, followed by a bill due March 16; 12% from June 1, followed
    by a bill due July 15. Returns the old version and the two bills."""
    old = _rule(BillType.WATER_SEWER, "percent_after_due")
    march = _water_bill(customer, by, number="W-MARCH", due=date(2026, 3, 16))
    penalty_rule_revise(
        rule=old,
        effective_from=date(2026, 6, 1),
        terms=RuleTerms(kind="percent_after_due", percent=Decimal("12.000")),
    )
    july = _water_bill(customer, by, number="W-JULY", due=date(2026, 7, 15))
    old.refresh_from_db()
    return old, march, july


@pytest.mark.parametrize("ends", ["", "2026-12-31"], ids=["cleared", "pushed-out"])
def test_the_admin_refuses_to_extend_the_end_of_a_rule_bills_follow(
    client, admin_user, reference, dana, ends
):
    # given the 10% water penalty, which the March bill follows, ended May 31 by a 12% version
    old, march, july = _water_penalty_raised_to_12_percent_from_june(dana, admin_user)
    assert old.effective_to == date(2026, 5, 31)
    # when an Admin clears or pushes out its end
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:billing_penaltyrule_change", args=[old.pk]),
        {"effective_to": ends, "description": "", "_save": "Save"},
    )
    # then it is refused, saying why, and the July bill still pays 12% of 100.00 only, not 22%
    assert response.status_code == 200
    assert "its end cannot move later or be cleared" in response.text
    old.refresh_from_db()
    assert old.effective_to == date(2026, 5, 31)
    assert amount_due(july, date(2026, 8, 3)).new_penalty == Decimal("12.00")
    assert amount_due(march, date(2026, 4, 1)).new_penalty == Decimal("10.00")


def test_the_rule_form_refuses_to_clear_the_end_of_a_rule_bills_follow(reference, dana, supervisor):
    # The form as the admin's code sees it, every field sent back as it is but the end.
    old, _, _ = _water_penalty_raised_to_12_percent_from_june(dana, supervisor)
    data = {k: v for k, v in model_to_dict(old).items() if v is not None} | {"effective_to": ""}
    form = PenaltyRuleForm(data, instance=old)
    assert not form.is_valid()
    assert "its end cannot move later or be cleared" in form.errors["effective_to"][0]


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_to_extend_the_end_of_a_rule_bills_follow(reference, dana, supervisor):
    # given the 10% water penalty followed by a bill due March 16, ended May 31 (nothing follows)
    rule = _rule(BillType.WATER_SEWER, "percent_after_due")
    _water_bill(dana, supervisor, number="W-MARCH", due=date(2026, 3, 16))
    PenaltyRule.objects.filter(pk=rule.pk).update(effective_to=date(2026, 5, 31))
    # then its end cannot move later nor be cleared, but it may still move earlier
    for later in (date(2026, 6, 1), None):
        with pytest.raises(DatabaseError, match="its end cannot move later"), transaction.atomic():
            PenaltyRule.objects.filter(pk=rule.pk).update(effective_to=later)
    PenaltyRule.objects.filter(pk=rule.pk).update(effective_to=date(2026, 3, 16))
    rule.refresh_from_db()
    assert rule.effective_to == date(2026, 3, 16)


@pytest.mark.parametrize(
    ("bill_type", "terms", "constraint", "message"),
    [
        (
            BillType.WATER_SEWER,
            {"kind": "percent_after_due", "percent": Decimal("12")},
            "after_due_penalties_do_not_overlap",
            "Another penalty after the due date of this bill type",
        ),
        (
            BillType.PROPERTY_TAX,
            {"kind": "percent_on_date", "percent": Decimal("20"), "month": 10, "day": 1},
            "delinquency_date_penalties_do_not_overlap",
            "Another penalty on this delinquency date",
        ),
        (
            BillType.PARKING,
            {"kind": "fixed_after_days", "amount": Decimal("15.00"), "days": 20},
            "late_fees_do_not_overlap",
            "Another late fee after this number of days",
        ),
    ],
)
def test_two_versions_of_a_penalty_never_overlap(reference, bill_type, terms, constraint, message):
    # the demo's water 10%, tax 15% on October 1 and parking $10 after 20 days run from 2000
    second = PenaltyRule(bill_type=bill_type, effective_from=date(2026, 7, 1), **terms)
    with pytest.raises(ValidationError, match=message):
        second.full_clean()
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        second.save()


def test_penalties_of_one_kind_on_other_dates_or_days_are_no_overlap(reference):
    # parking's second late fee (after 60 days) is the demo's own; a tax penalty on February 1
    # beside October 1's, and a third late fee after 90 days, are further penalties, not versions
    PenaltyRule.objects.create(
        bill_type=BillType.PROPERTY_TAX,
        kind="percent_on_date",
        percent=Decimal("5"),
        month=2,
        day=1,
        effective_from=date(2026, 7, 1),
    )
    PenaltyRule.objects.create(
        bill_type=BillType.PARKING,
        kind="fixed_after_days",
        amount=Decimal("30.00"),
        days=90,
        effective_from=date(2026, 7, 1),
    )
    assert PenaltyRule.objects.filter(bill_type=BillType.PARKING).count() == 3


def test_a_rule_no_bill_follows_cannot_be_extended_over_its_next_version(
    client, admin_user, reference
):
    # given the water penalty raised to 12% from June 1, and no water bill on file
    old = _rule(BillType.WATER_SEWER, "percent_after_due")
    penalty_rule_revise(
        rule=old,
        effective_from=date(2026, 6, 1),
        terms=RuleTerms(kind="percent_after_due", percent=Decimal("12.000")),
    )
    old.refresh_from_db()
    client.force_login(admin_user)
    form = _rule_form(
        bill_type=BillType.WATER_SEWER,
        kind="percent_after_due",
        percent="10.000",
        effective_from="2000-01-01",
        effective_to="",
    )
    response = client.post(reverse("admin:billing_penaltyrule_change", args=[old.pk]), form)
    assert response.status_code == 200
    assert "Another penalty after the due date of this bill type" in response.text
    old.refresh_from_db()
    assert old.effective_to == date(2026, 5, 31)

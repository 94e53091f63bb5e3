"""Wording across the app: "an Admin", "Import batches", and people named by their names (the
`person` filter and cashiering.people.person_name), never by username alone."""

import re
from pathlib import Path

from django.conf import settings
from django.template import Context, Template
from django.urls import reverse

from billing.services import bill_import
from cashiering.people import person_name
from tests.factories import UserFactory

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def _template_texts():
    for path in sorted(TEMPLATES.rglob("*.html")):
        yield path.relative_to(TEMPLATES), path.read_text()


def test_no_template_says_a_admin_or_an_admin_in_lower_case():
    wrong = [
        str(name)
        for name, text in _template_texts()
        if re.search(r"\ba Admin\b|\ban admin\b|\badministrator\b|\ba supervisor\b", text)
    ]
    assert wrong == []


def test_no_template_shows_a_username_where_a_name_belongs():
    # A username in a form's field (sign-in, a Supervisor's sign-in at the counter) is input,
    # not a person named on the page.
    shown = [
        f"{name}: {match}"
        for name, text in _template_texts()
        for match in re.findall(r"\{\{[^}]*\.username\b[^}]*\}\}", text)
        if "get_full_name" not in match
    ]
    assert shown == []


def test_a_person_is_named_by_full_name_then_username(db):
    named = UserFactory(username="cclerk", first_name="Casey", last_name="Clerk")
    unnamed = UserFactory(username="temp7", first_name="", last_name="")

    assert person_name(named) == "Casey Clerk"
    assert person_name(unnamed) == "temp7"
    assert person_name(None) == ""
    page = Template("{{ a|person }} / {{ b|person }} / [{{ c|person }}]").render(
        Context({"a": named, "b": unnamed, "c": None})
    )
    assert page == "Casey Clerk / temp7 / []"


def test_the_import_page_names_who_uploaded(client, supervisor, reference):
    bill_import(
        source="water",
        filename="water.csv",
        content=(Path(settings.BASE_DIR) / "docs" / "samples" / "water.csv").read_bytes(),
        by=supervisor,
    )
    client.force_login(supervisor)

    page = client.get(reverse("billing:import")).text

    assert f"<td>{supervisor.get_full_name()}</td>" in page
    assert f"<td>{supervisor.username}</td>" not in page


def test_the_403_page_says_an_admin(client, trainee):
    client.force_login(trainee)

    page = client.get(reverse("ledger:trial_balance")).text

    assert "ask a Supervisor or an Admin" in page

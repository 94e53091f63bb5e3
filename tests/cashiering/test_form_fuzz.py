"""The form fuzzer (issue 13, "Every form fuzzed"): every page the URL resolver reaches is
opened as every role, every `<form method="post">` on it is parsed, and Hypothesis posts
hostile values into it, one field at a time with the others as the page gave them, and all
at once. No POST may fail with a server error, a refusal saves nothing and says why, and no
hostile markup comes back unescaped. The forms are discovered, never listed: a page added
later is fuzzed without touching this file."""

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal as D
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.urls import Resolver404, get_resolver, resolve, reverse
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from cashiering.roles import Role
from ledger.models import AccountingPeriod
from payments.services.remittance import remittance_batch_open
from tests.cashiering.fuzz_world import ROLES, route_values, world_build
from tests.cashiering.test_hostile_input import WATCHED
from tests.cashiering.test_login_required import PUBLIC, _walk
from tests.payments.conftest import new_user, office, open_drawer  # noqa: F401 (a fixture)

CARD_NUMBERS = ("4111 1111 1111 1111", "4111111111111111")
HOSTILE = [
    "",
    "x" * 10_000,
    "\u0645\u0631\u062d\u0628\u0627 \u200f\u05e9\u05dc\u05d5\u05dd \U0001f642\U0001f44d",
    "\x00",
    "a\x00b",
    "line\r\nbreak",
    "\x1b[31mred",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' OR 1=1 --",
    "1; DROP TABLE x",
    "NaN",
    "Infinity",
    "-Infinity",
    "1e309",
    "-1",
    "0.00001",
    "\u0661\u0662\u0663",
    "\uff11\uff12\uff13",
    "0000-00-00",
    "9999-12-31",
    "9" * 40,
    str(2**63),
    *CARD_NUMBERS,
]
# Markup that must never come back as markup (escaped, it is harmless text).
RAW_MARKUP = ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>")
# The money and business tables a refused POST may not change (a customer page's view log,
# import jobs and audit rows record the attempt, not what was asked).
COUNTED = [
    *WATCHED,
    "ledger.journalline",
    "billing.liencertificate",
    "billing.paymentplan",
    "billing.billadjustment",
    "billing.feeprice",
    "payments.drawer",
    "payments.creditrefund",
    "payments.paymentreversal",
    "payments.remittancebatch",
    "payments.remittanceitem",
    "reconciliation.drawerreopen",
    "reconciliation.referralfile",
    "reconciliation.vendorpaymentfile",
    "reconciliation.bankstatement",
    "reconciliation.csvmapping",
    "reconciliation.cardsettlement",
]
# A message on the page that the POST was refused.
REFUSAL = re.compile(r"invalid-feedback|errorlist|alert-danger|is-invalid|aria-invalid=\"true\"")
ALL_FIELDS = "*every field*"
HTMX = {"HX-Request": "true"}
# Django's CSRF middleware refuses a bad token before any view (the test client skips it).
# Addresses of documents (PDF, CSV, downloads), not pages: they carry no form.
DOCUMENTS = (".pdf", ".csv", "download/")
UNCHECKED = {"csrfmiddlewaretoken"}
# Forms that end the session: posting them would sign the fuzzer out.
SIGN_OUT = {"logout", "admin:logout"}


def hostile_values() -> st.SearchStrategy[str]:
    """The fixed hostile values (twice as likely) and random text and numbers."""
    fixed = st.sampled_from(HOSTILE)
    return st.one_of(
        fixed, fixed, st.text(max_size=60), st.integers().map(str), st.floats().map(str)
    )


@dataclass
class Form:
    """A `<form method="post">` as a page gave it: where it posts, its fields' values (lists,
    a name can repeat), the names a person could type into, its file fields, the fields whose
    value is checked or looked up but never stored (passwords, searches: a card number there
    is not refused) and whether htmx sends it."""

    action: str
    data: dict[str, list[str]] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    unstored: set[str] = field(default_factory=set)
    htmx: bool = False


class FormParser(HTMLParser):
    """Collects the post forms of a page (stdlib html.parser; the fields of a form as a browser
    would send them: checked boxes only, a select's chosen option, the first named button)."""

    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: tuple[str, list[str], list[str]] | None = None
        self._option: dict | None = None
        self._textarea: str | None = None
        self._text: list[str] = []
        self._button = False

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            if a.get("method", "").lower() == "post" or "hx-post" in a:
                target = a.get("hx-post") or a.get("action") or self.page_url
                self._form = Form(urljoin(self.page_url, target), htmx="hx-post" in a)
            return
        form, name = self._form, a.get("name", "")
        if form is None:
            return
        if tag == "input" and name:
            self._input(form, name, a)
        elif tag == "button" and name and a.get("type", "submit") == "submit":
            if not self._button:
                form.data.setdefault(name, []).append(a.get("value", ""))
                self._button = True
        elif tag == "select" and name:
            form.names.append(name)
            self._select = (name, [], [])
        elif tag == "option" and self._select is not None:
            self._option = {"value": a.get("value"), "selected": "selected" in a}
            self._text = []
        elif tag == "textarea" and name:
            form.names.append(name)
            self._textarea, self._text = name, []

    def _input(self, form: Form, name: str, a: dict) -> None:
        kind = a.get("type", "text").lower()
        if kind in ("submit", "image"):
            if not self._button:
                form.data.setdefault(name, []).append(a.get("value", ""))
                self._button = True
            return
        if kind in ("button", "reset"):
            return
        if kind == "file":
            form.files.append(name)
            return
        if name not in form.names:
            form.names.append(name)
        if kind == "password" or name == "q":
            form.unstored.add(name)
        if kind in ("checkbox", "radio") and "checked" not in a:
            return
        if kind == "radio" and name in form.data:
            return
        form.data.setdefault(name, []).append(a.get("value", "on" if kind == "checkbox" else ""))

    def handle_data(self, data):
        if self._option is not None or self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "option" and self._option is not None and self._select is not None:
            value = self._option["value"]
            value = "".join(self._text).strip() if value is None else value
            (self._select[2] if self._option["selected"] else self._select[1]).append(value)
            self._option = None
        elif tag == "select" and self._select is not None and self._form is not None:
            name, options, chosen = self._select
            if chosen or options:
                self._form.data[name] = chosen or options[:1]
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form.data[self._textarea] = ["".join(self._text).lstrip("\n")]
            self._textarea = None
        elif tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form, self._button = None, False


def _counts() -> tuple[int, ...]:
    """Rows in COUNTED, in one query."""
    tables = [apps.get_model(label)._meta.db_table for label in COUNTED]
    query = " UNION ALL ".join(f'SELECT count(*) FROM "{table}"' for table in tables)
    with connection.cursor() as cursor:
        cursor.execute(query)
        return tuple(row[0] for row in cursor.fetchall())


def _concrete(route: str, values: dict) -> str:
    """`route` with its converters filled from the world (a segment it does not know: 1)."""
    parts = route.split("/")
    for i, part in enumerate(parts):
        for conv, name in re.findall(r"<(?:(\w+):)?(\w+)>", part):
            before = parts[i - 1] if i else ""
            value = values.get((before, name), "1" if conv != "uuid" else None)
            if value is None:
                value = "3b241101-e2bb-4255-8caf-4136c566a962"
            part = re.sub(rf"<(?:\w+:)?{name}>", str(value), part)
        parts[i] = part
    return "/" + "/".join(parts)


def _pages(world: dict) -> list[tuple[str, str]]:
    """(name, address) of every page of ours the resolver knows, and the administration site's
    add pages (only the Admin gets past the admin's sign-in; its change pages are fuzzed with
    sharper values per field by test_hostile_input.py), regex routes left out."""
    values = route_values(world)
    routes = sorted(set(_walk(get_resolver().url_patterns)))
    return [
        (name, _concrete(route, values))
        for route, name in routes
        if (not name.startswith("admin:") or name.endswith("_add"))
        and "(?P" not in route
        and not route.startswith("^")
        and not route.endswith(DOCUMENTS)
    ]


def _post_forms(client: Client, url: str) -> list[Form]:
    response = client.get(url)
    assert response.status_code < 500, url
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return []
    parser = FormParser(url)
    parser.feed(response.content.decode(errors="replace"))
    return parser.forms


def _view_name(action: str) -> str | None:
    parts = urlsplit(action)
    if parts.netloc not in ("", "testserver"):
        return None
    try:
        return resolve(parts.path).view_name
    except Resolver404:
        return None


def forms_of(client: Client, pages: list[tuple[str, str]]) -> Iterator[tuple[str, Form]]:
    """Every distinct post form (by view and field names) of `pages` as `client` sees them."""
    seen: set[tuple] = set()
    for _, url in pages:
        for form in _post_forms(client, url):
            view = _view_name(form.action)
            key = (view, tuple(sorted(form.names)), tuple(form.files))
            if view is None or view in SIGN_OUT or key in seen:
                continue
            seen.add(key)
            yield view, form


@dataclass
class Tally:
    """What the fuzzer tried and what it found."""

    inputs: int = 0
    forms: set = field(default_factory=set)
    problems: list[str] = field(default_factory=list)


def _send(client: Client, form: Form, name: str, value: str):
    data: dict[str, object] = {k: list(v) for k, v in form.data.items()}
    every = [n for n in [*form.names, *form.files] if n not in UNCHECKED]
    targets = every if name == ALL_FIELDS else [name]
    for target in targets:
        if target in form.files:
            data[target] = SimpleUploadedFile(f"{value[:80]}.csv", value.encode(), "text/csv")
        else:
            data[target] = value
    headers = {"HX-Request": "true"} if form.htmx else {}
    with transaction.atomic():  # a database error may not poison the rest of the run
        return client.post(form.action, data, headers=headers)


def _followed(client: Client, response):
    """The page a success leads to (a redirect or htmx's HX-Redirect), if it is ours."""
    target = response.headers.get("HX-Redirect") or (
        response.headers.get("Location") if response.status_code in (301, 302, 303) else None
    )
    if not target or urlsplit(target).netloc not in ("", "testserver"):
        return None
    return client.get(target)


def _html(response) -> str:
    if "html" not in response.get("Content-Type", ""):
        return ""
    return response.content.decode(errors="replace")


def _judge(client, form, name, value, before, response, say) -> None:
    """Tell `say` each rule the POST of `value` into `name` broke: a server error, markup
    echoed, a refusal that saved, a NUL or card number saved or refused without a word."""
    if response.status_code >= 500:
        say(f"status {response.status_code}")
        return
    html = _html(response)
    if any(raw in html for raw in RAW_MARKUP):
        say("hostile markup echoed unescaped")
    after = _counts()
    refused = response.status_code >= 400 or (response.status_code == 200 and REFUSAL.search(html))
    if refused and after != before:
        say(f"refused (status {response.status_code}) yet saved")
    must_refuse = "\x00" in value or (value in CARD_NUMBERS and name not in form.unstored)
    if must_refuse and after != before:
        say("a NUL or a card number was saved")
    if must_refuse and response.status_code == 200 and not REFUSAL.search(html):
        say("refused with no message on the page")
    followed = _followed(client, response) if "<" in value else None
    if followed is not None:
        if followed.status_code >= 500:
            say(f"the page after it: status {followed.status_code}")
        elif any(raw in _html(followed) for raw in RAW_MARKUP):
            say("hostile markup echoed unescaped on the page after it")


def fuzz_form(client: Client, who: str, view: str, form: Form, tally: Tally) -> None:
    """Post hostile values into `form` (Hypothesis, a few examples, derandomized): one field
    at a time with the rest as the page gave them, and every field at once."""
    tally.forms.add(view)
    fields = [n for n in [*form.names, *form.files] if n not in UNCHECKED]
    if not fields:
        return
    budget = min(8, max(5, len(fields)))

    @settings(
        max_examples=budget,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(name=st.sampled_from([ALL_FIELDS, *fields]), value=hostile_values())
    @example(name=ALL_FIELDS, value='"><img src=x onerror=alert(1)>')
    @example(name=ALL_FIELDS, value="\x00")
    def attempt(name: str, value: str) -> None:
        tally.inputs += 1

        def say(what: str) -> None:
            tally.problems.append(f"{who} {view} {form.action} {name}={value[:60]!r}: {what}")

        before = _counts()
        try:
            response = _send(client, form, name, value)
        except Exception as error:  # the test client re-raises a view's exception: a 500
            say(f"server error {type(error).__name__}: {str(error)[:200]}")
            return
        _judge(client, form, name, value, before, response, say)

    attempt()


@pytest.fixture
def world(reference, users, dana, parcel):
    return world_build(
        users=users,
        customer=dana,
        parcel=parcel,
        second_supervisor=new_user("supervisor-two", Role.SUPERVISOR),
    )


ANONYMOUS = "anonymous"
# Fewest forms each visitor must have been shown (at 2939604: 11, 21, 42, 59 and the sign-in
# form): a page losing its forms, or a sign-in failing quietly, would otherwise leave the
# fuzzer nothing to try.
FEWEST_FORMS = {
    Role.TRAINEE: 10,
    Role.CLERK: 18,
    Role.SUPERVISOR: 35,
    Role.ADMIN: 50,
    ANONYMOUS: 1,
}


@pytest.mark.parametrize("who", [*ROLES, ANONYMOUS])
def test_every_form_survives_the_fuzzer(users, world, capsys, who):
    # (one test per role, so that the workers share them out)
    # given every page of ours with its address filled from a world built through the services
    pages = _pages(world)
    tally = Tally()
    # when the role, or a stranger, posts hostile values into every form they are shown
    client = Client()
    if who == ANONYMOUS:
        pages = [(name, url) for name, url in pages if name in PUBLIC]
        assert reverse("login") in {urlsplit(u).path for _, u in pages}
    else:
        client.force_login(users[who])
    for view, form in list(forms_of(client, pages)):
        fuzz_form(client, who, view, form, tally)
    line = f"form fuzzer: tried {tally.inputs} inputs on {len(tally.forms)} forms as {who}"
    print(line)
    with capsys.disabled():
        print(f"\n{line}")
    # then nothing failed, nothing refused was saved and nothing came back as markup
    assert not tally.problems, "\n".join(tally.problems[:40])
    assert len(tally.forms) >= FEWEST_FORMS[who], sorted(tally.forms)


# What the fuzzer found, each pinned by the view it was found in.


def test_the_counter_search_says_why_it_refused_what_was_typed(
    client,
    clerk,
    office,  # noqa: F811
):
    # given a clerk at an open drawer (payments.views.counter_search)
    open_drawer(clerk, office)
    client.force_login(clerk)
    # when a NUL arrives from the search box (a scanner's stray byte)
    response = client.post(reverse("payments:search"), {"q": "12\x0034"}, headers=HTMX)
    # then the results pane says why instead of showing nothing at all
    assert response.status_code == 200
    assert "Search or scan: Null characters are not allowed." in response.text


def test_cancelling_a_cancelled_batch_again_says_why(
    client,
    clerk,
    office,  # noqa: F811
):
    # given a mail batch its clerk has just cancelled (payments.views_remittance.batch_cancel_view)
    batch = remittance_batch_open(
        office=office, control_total=D("10.00"), control_count=1, by=clerk, token=uuid.uuid4()
    )
    client.force_login(clerk)
    url = reverse("payments:remittance_cancel", args=[batch.pk])
    assert client.post(url, {"reason": "Wrong tape"}).status_code == 302
    # when the cancel is sent again (a second tab, the back button), or with a card number
    again = client.post(url, {"reason": "Wrong tape"})
    card = client.post(url, {"reason": CARD_NUMBERS[0]})
    # then the page, which no longer shows the cancel form, still says why nothing happened
    assert again.status_code == card.status_code == 200
    assert "alert-danger" in again.text
    assert "is cancelled: it takes no change." in again.text
    assert "card number" in card.text.split("alert-danger", 1)[1].split("</div>", 1)[0]


def test_closing_a_closed_month_again_says_why(client, supervisor):
    # given the only open period, ended, closed by a Supervisor
    # (reconciliation.views.month.month_close_view)
    period = AccountingPeriod.objects.create(
        name="2025-01", start_date=date(2025, 1, 1), end_date=date(2025, 1, 31)
    )
    client.force_login(supervisor)
    url = reverse("reconciliation:month_close")
    assert client.post(url, {"period": period.pk, "confirmed": "on"}).status_code == 302
    # when the close is sent again, when no period is left open to choose
    again = client.post(url, {"period": period.pk, "confirmed": "on"})
    # then the page says why nothing happened
    assert again.status_code == 200
    assert "Select a valid choice" in again.text

"""cashiering.dates and the format module: every date a person reads is written 11/30/2026, every
moment 11/30/2026 2:05 PM, a time alone 2:05 PM; machines keep ISO, and forms keep accepting
what they accepted."""

import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django import forms
from django.conf import settings
from django.template import Context, Template
from django.utils.formats import get_format

from cashiering.dates import us_date, us_datetime, us_time

UTC = ZoneInfo("UTC")
TEMPLATES = Path(settings.BASE_DIR) / "templates"
APPS = ("billing", "payments", "reconciliation", "ledger", "cashiering")

# |date:"..." and |time:"..." may name only Django's settings, which the format module sets...
NAMED_FORMATS = {
    "DATE_FORMAT",
    "SHORT_DATE_FORMAT",
    "DATETIME_FORMAT",
    "SHORT_DATETIME_FORMAT",
    "TIME_FORMAT",
}
# ...or ISO for a machine: the value of an <input type=date> or a query string in an href.
MACHINE_FORMAT = "Y-m-d"
LITERAL = re.compile(r"""\|(?:date|time):(["'])(?P<format>[^"']*)\1""")
IN_ATTRIBUTE = re.compile(r"""\b(?:value|href)="[^"]*$""")


def _render(text: str, **context: object) -> str:
    return Template(text).render(Context(context))


def literal_formats(source: str) -> list[str]:
    """The |date / |time formats in a template's text that break the house rule."""
    wrong = []
    for line in source.splitlines():
        for found in LITERAL.finditer(line):
            fmt = found["format"]
            if fmt in NAMED_FORMATS:
                continue
            if fmt == MACHINE_FORMAT and IN_ATTRIBUTE.search(line[: found.start()]):
                continue
            wrong.append(f"{fmt!r} in {line.strip()[:80]}")
    return wrong


def test_a_bare_date_and_the_date_filter_write_m_d_y():
    day = date(2026, 11, 30)

    assert _render("{{ day }}", day=day) == "11/30/2026"
    assert _render("{{ day|date }}", day=day) == "11/30/2026"
    assert _render('{{ day|date:"SHORT_DATE_FORMAT" }}', day=day) == "11/30/2026"


def test_a_moment_is_written_in_the_office_time_zone_with_the_time():
    moment = datetime(2026, 11, 30, 19, 5, tzinfo=UTC)  # 2:05 PM in New York

    assert _render("{{ at }}", at=moment) == "11/30/2026 2:05 PM"
    assert _render('{{ at|date:"SHORT_DATETIME_FORMAT" }}', at=moment) == "11/30/2026 2:05 PM"
    assert _render("{{ at|date }}", at=moment) == "11/30/2026"
    assert _render("{{ at|time }}", at=moment) == "2:05 PM"


def test_forms_keep_accepting_iso_and_us_dates_and_inputs_keep_iso():
    class Day(forms.Form):
        day = forms.DateField()

    assert get_format("DATE_INPUT_FORMATS")[0] == "%Y-%m-%d"
    for typed in ("2026-11-30", "11/30/2026", "11/30/26"):
        form = Day(data={"day": typed})
        assert form.is_valid(), typed
        assert form.cleaned_data["day"] == date(2026, 11, 30)
    assert 'value="2026-11-30"' in str(Day(initial={"day": date(2026, 11, 30)})["day"])


def test_the_helpers_write_what_the_templates_write():
    moment = datetime(2026, 11, 30, 19, 5, tzinfo=UTC)

    assert us_date(date(2026, 1, 5)) == "01/05/2026"
    assert us_datetime(moment) == "11/30/2026 2:05 PM"
    assert us_time(moment) == "2:05 PM"
    assert us_date(None) == ""


def test_a_moment_after_midnight_utc_is_still_the_office_day_before():
    late_evening = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)  # 10:00 PM on 11/30 in New York

    assert us_date(late_evening) == "11/30/2026"
    assert us_datetime(late_evening) == "11/30/2026 10:00 PM"


def test_the_template_rule_finds_a_literal_format():
    assert literal_formats('<td>{{ d|date:"F j, Y" }}</td>') == [
        "'F j, Y' in <td>{{ d|date:\"F j, Y\" }}</td>"
    ]
    assert literal_formats("<td>{{ d|date:'Y-m-d' }}</td>") != []
    assert literal_formats("<p>{{ at|time:'H:i' }}</p>") != []
    assert literal_formats('<input type="date" value="{{ d|date:\'Y-m-d\' }}">') == []
    assert literal_formats("<a href=\"?day={{ d|date:'Y-m-d' }}\">CSV</a>") == []
    assert literal_formats('{{ at|date:"SHORT_DATETIME_FORMAT" }} {{ at|time }}') == []


@pytest.mark.parametrize(
    "template", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES))
)
def test_no_template_writes_a_date_its_own_way(template):
    assert literal_formats(template.read_text()) == []


def test_no_message_writes_a_date_its_own_way():
    # {day:%B %-d, %Y} and the like; a month's or a weekday's name alone (%B, %A) is not a date,
    # and numbers, file names and references built from %Y%m / %y stay machine text.
    spec = re.compile(r"""\{[^{}"']+?:(%[^{}"']*)\}""")
    names_or_machine = {"%B", "%A", "%Y%m", "%y", "%Y%m%d", "%Y-%m", "%Y-%m-%d"}
    found = []
    for app in APPS:
        for path in (Path(settings.BASE_DIR) / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for number, line in enumerate(path.read_text().splitlines(), 1):
                for match in spec.finditer(line):
                    if match[1] not in names_or_machine:
                        where = path.relative_to(settings.BASE_DIR)
                        found.append(f"{where}:{number}: {line.strip()}")
    assert found == []

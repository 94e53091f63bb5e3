"""The Content Security Policy: sent on every page, and no template holds inline code it would
block (no <script> without src, <style>, style="", on...= handlers, hx-on, javascript: URLs)."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)

INLINE = {
    "a <script> without src": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "a <style> element": re.compile(r"<style\b", re.IGNORECASE),
    "a style attribute": re.compile(r"""\sstyle\s*=\s*["'{]""", re.IGNORECASE),
    "an on...= handler": re.compile(r"""\son[a-z]+\s*=\s*["'{]""", re.IGNORECASE),
    "an hx-on attribute": re.compile(r"\b(?:hx|data-hx)-on", re.IGNORECASE),
    "a javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
    "htmx code (hx-vars, js: values, trigger filters)": re.compile(
        r"""hx-vars|hx-vals\s*=\s*["']\s*js:|hx-trigger\s*=\s*["'][^"']*\[""", re.IGNORECASE
    ),
}


def _html_templates():
    return [
        path
        for path in sorted(TEMPLATES.rglob("*.html"))
        if path.relative_to(TEMPLATES).parts[0] != "pdf"  # WeasyPrint's, never a browser's
    ]


def test_the_scan_finds_what_it_looks_for():
    hostile = (
        "<script>alert(1)</script>",
        "<style>p{}</style>",
        '<p style="color:red">',
        "<button onclick='go()'>",
        '<form hx-on::after-request="x()">',
        '<a href="javascript:go()">',
        '<div hx-trigger="every 1s [window.x]">',
    )
    for text in hostile:
        assert any(pattern.search(text) for pattern in INLINE.values()), text
    assert not any(
        pattern.search('<script src="/static/x.js"></script>') for pattern in INLINE.values()
    )


def test_no_template_holds_inline_script_or_style():
    # given every HTML template a browser renders (templates/pdf/ is WeasyPrint's)
    found = []
    for path in _html_templates():
        text = path.read_text()
        for what, pattern in INLINE.items():
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(TEMPLATES)}:{line}: {what}")

    # then there is none: the policy would block it (static/js/ and static/css/app.css instead)
    assert found == []
    assert len(_html_templates()) > 50


def test_htmx_evaluates_no_code_and_injects_no_style(client, clerk):
    client.force_login(clerk)

    page = client.get(reverse("home")).text

    assert (
        """<meta name="htmx-config" content='{"allowEval":false,"includeIndicatorStyles":false}'>"""
        in page
    )


@pytest.mark.parametrize(
    "url", ["home", "payments:receipts", "billing:search", "login", "admin:index"]
)
def test_pages_carry_exactly_the_policy(client, admin_user, url):
    client.force_login(admin_user)

    response = client.get(reverse(url))

    assert response.status_code == 200
    assert response["Content-Security-Policy"] == POLICY
    assert "Content-Security-Policy-Report-Only" not in response


def test_the_sign_in_page_and_error_pages_carry_it_too(client, db):
    assert client.get(reverse("login"))["Content-Security-Policy"] == POLICY
    assert client.get("/no/such/page/")["Content-Security-Policy"] == POLICY

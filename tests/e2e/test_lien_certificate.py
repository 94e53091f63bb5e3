"""A clerk sells a lien search by keyboard, prints the certificate, and a second browser, signed
out, verifies it by the address its QR code holds (the QR is decoded from the printed PDF:
pypdfium2 draws the page, zxing-cpp reads the code, as a phone's camera would)."""

import io
import re
from datetime import timedelta

import pypdfium2
import pytest
import zxingcpp
from django.utils import timezone
from playwright.sync_api import expect

from billing.liens import liens_on

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def qr_text(pdf: bytes) -> str:
    page = pypdfium2.PdfDocument(io.BytesIO(pdf))[0]
    [code] = [
        r.text
        for r in zxingcpp.read_barcodes(page.render(scale=200 / 72).to_pil())
        if r.format == zxingcpp.BarcodeFormat.QRCode
    ]
    return code


def test_a_clerk_sells_a_lien_search_and_a_stranger_verifies_it(browser, page, office, two_years):
    good_through = timezone.localdate() + timedelta(days=14)
    payoff = liens_on(
        two_years["A"].property, good_through=good_through, issued_on=timezone.localdate()
    ).payoff

    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("clerk")
    page.get_by_label("Password").fill("clerk-demo-2026")
    page.get_by_role("button", name="Sign in").click()
    page.goto("/counter/")
    page.get_by_label("Window").select_option(label="CH Window 1")
    page.get_by_label("$20 bills").fill("5")
    page.get_by_role("button", name="Open drawer").click()
    expect(page.get_by_text("Drawer opened")).to_be_visible()
    # Ready for keys once the search box has the focus: autofocus lands a moment after the
    # page shows and takes the focus back from a key pressed sooner.
    expect(page.get_by_label("Search or scan")).to_be_focused()

    # F6 opens the lien search at the parcel; the date, then Enter previews.
    page.keyboard.press("F6")
    parcel_box = page.get_by_label("Parcel number")
    expect(parcel_box).to_be_focused()
    page.keyboard.type("24.-3-1")
    page.keyboard.press("Tab")
    page.get_by_label("Good through").fill(good_through.isoformat())
    page.keyboard.press("Enter")
    preview = page.get_by_role("region", name="Lien search preview")
    expect(preview.locator("[data-lien-payoff]")).to_have_text(f"{payoff:,.2f}")
    add = page.get_by_role("button", name="Add the lien search to the cart ($25.00)")
    add.focus()
    page.keyboard.press("Enter")
    cart = page.get_by_role("region", name="Cart")
    expect(
        cart.get_by_role("cell", name=re.compile("^Lien search certificate, parcel 24.-3-1"))
    ).to_be_visible()
    expect(cart.locator("[data-total]")).to_have_text("25.00")

    page.keyboard.press("F4")
    page.get_by_label("Tender", exact=True).select_option("cash")
    page.get_by_label("Amount", exact=True).fill("25.00")
    page.get_by_label("Amount", exact=True).press("Enter")
    expect(cart.get_by_text("Change due")).to_be_visible()
    page.keyboard.press("F8")
    expect(page.get_by_role("heading", name=re.compile(r"Receipt CH-\d{4}-000001"))).to_be_visible()

    link = page.get_by_role("link", name=re.compile(r"Print certificate LC-\d{4}-000001"))
    expect(link).to_be_visible()
    pdf = page.request.get(link.get_attribute("href"))
    assert pdf.headers["content-type"] == "application/pdf"
    url = qr_text(pdf.body())
    assert re.fullmatch(r"http://[^/]+/verify/[0-9A-Z]{10}", url), url

    # A second browser, signed out: a title company scanning the QR code.
    stranger = browser.new_context()
    try:
        public = stranger.new_page()
        public.goto(url)
        expect(
            public.get_by_role("heading", name=re.compile("Certified list of liens LC-"))
        ).to_be_visible()
        expect(public.locator("[data-payoff]")).to_have_text(f"${payoff:,.2f}")
        expect(public.locator("[data-changed]")).to_have_text("No")
        expect(public.get_by_text("Dana Whitfield")).to_have_count(0)
    finally:
        stranger.close()


def test_a_keyboard_user_hears_each_lien_search_error_at_its_field(page, office, two_years):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("clerk")
    page.get_by_label("Password").fill("clerk-demo-2026")
    page.get_by_role("button", name="Sign in").click()
    page.goto("/counter/")
    page.get_by_label("Window").select_option(label="CH Window 1")
    page.get_by_label("$20 bills").fill("5")
    page.get_by_role("button", name="Open drawer").click()
    expect(page.get_by_text("Drawer opened")).to_be_visible()
    expect(page.get_by_label("Search or scan")).to_be_focused()  # ready for keys

    # A parcel mistyped, no date yet, Enter.
    page.keyboard.press("F6")
    parcel = page.get_by_label("Parcel number")
    expect(parcel).to_be_focused()
    page.keyboard.type("24.-3-7")
    page.keyboard.press("Enter")

    # The parcel says what is wrong with it and keeps the focus; the date says what it needs.
    parcel = page.get_by_label("Parcel number")
    expect(parcel).to_have_attribute("aria-invalid", "true")
    expect(parcel).to_have_accessible_description(re.compile("No parcel 24.-3-7 is on file"))
    expect(parcel).to_be_focused()
    date_box = page.get_by_label("Good through")
    expect(date_box).to_have_accessible_description(re.compile("the closing date"))

    # Corrected, with a date too far out: now only the date is wrong, and it takes the focus.
    parcel.fill("24.-3-1")
    date_box.fill((timezone.localdate() + timedelta(days=120)).isoformat())
    date_box.press("Enter")
    date_box = page.get_by_label("Good through")
    expect(date_box).to_have_accessible_description(re.compile("at most 90 days"))
    expect(date_box).to_be_focused()
    expect(page.get_by_label("Parcel number")).not_to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("region", name="Lien search preview")).to_have_count(0)

"""The look-up page in Chromium: two customers of one name told apart, and the results walked
with the arrow keys (static/js/result_nav.js, shared with the counter)."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_counter_keyboard import counter, resident, sign_in_at_the_counter

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

__all__ = ["counter"]  # the fixture, used by name below


def test_look_up_tells_namesakes_apart_and_the_arrows_walk_the_results(page, counter):
    # Given two Morgan Ellisons, on Cascadilla St and on Hector St.
    resident("Morgan Ellison", "12 Cascadilla St", "71.-1-1", counter["Supervisor"], "310")
    resident("Morgan Ellison", "430 Hector St", "12.-4-9", counter["Supervisor"], "275")
    sign_in_at_the_counter(page)

    # When the clerk looks the name up.
    page.goto("/")
    page.get_by_role("link", name="Look up what is owed").first.click()
    search = page.get_by_label("Search or scan")
    search.fill("Morgan Ellison")
    search.press("Enter")

    # Then each result says where they live.
    results = page.locator("#results")
    cascadilla = results.get_by_role("region", name="Morgan Ellison, ••• Cascadilla St")
    hector = results.get_by_role("region", name="Morgan Ellison, ••• Hector St")
    expect(cascadilla.get_by_text("Property 12 Cascadilla St · parcel 71.-1-1")).to_be_visible()
    expect(hector.get_by_text("Property 430 Hector St · parcel 12.-4-9")).to_be_visible()

    # When the clerk goes down from the box through both results, and back up.
    top, below = sorted([cascadilla, hector], key=lambda r: r.bounding_box()["y"])
    search.focus()
    page.keyboard.press("ArrowDown")
    expect(top.get_by_role("link", name=re.compile("customer page$"))).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(top.get_by_role("link", name=re.compile("^Bill "))).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(below.get_by_role("link", name=re.compile("customer page$"))).to_be_focused()
    page.keyboard.press("ArrowDown")
    wanted = below.get_by_role("link", name=re.compile("^Bill "))
    expect(wanted).to_be_focused()
    for _ in range(4):
        page.keyboard.press("ArrowUp")
    expect(search).to_be_focused()

    # And Enter on a bill opens that bill.
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/bills/"))

"""The drawer-open page: styled count boxes in an even grid, stock named by the item counted,
a float total the page keeps as the clerk counts and the server computes again."""

import re
import uuid
from decimal import Decimal

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from payments.models import Drawer
from tests.payments.conftest import fee, window


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client


def _inputs(page: str) -> dict[str, str]:
    """Each count box's name and its whole tag."""
    return {
        re.search(r'name="([^"]+)"', tag).group(1): tag
        for tag in re.findall(r"<input [^>]*>", page)
        if re.search(r'name="(count|stock)_', tag)
    }


def test_every_count_box_is_a_styled_number_box(clerk_client, office):
    page = clerk_client.get(reverse("payments:drawer_open")).text

    boxes = _inputs(page)
    assert len(boxes) == 13 + 4  # every denomination and the demo city's four stock items
    for name, tag in boxes.items():
        assert 'class="form-control text-end"' in tag, name
        assert 'type="number"' in tag and 'min="0"' in tag and 'inputmode="numeric"' in tag
    assert 'data-cents="2000"' in boxes["count_2"]  # $20 bills
    assert 'data-cents="25"' in boxes["count_9"]  # quarters


def test_stock_rows_are_named_by_the_item_not_the_fee(clerk_client, office):
    page = clerk_client.get(reverse("payments:drawer_open")).text

    card = fee("permit_card")
    assert f'<label for="id_stock_{card.pk}"' in page
    assert "Parking permit cards" in page
    assert "Trash tag sheets (6 tags)" in page
    assert "Permit card fee" not in page
    assert "Trash tags, sheet of 6" not in page


def test_the_page_starts_at_zero_and_loads_its_counting_script(clerk_client, office):
    page = clerk_client.get(reverse("payments:drawer_open")).text

    assert re.search(r'<output id="float-total"[^>]*>\$0\.00</output>', page)
    assert '<script src="/static/js/drawer_open.js"></script>' in page
    assert finders.find("js/drawer_open.js")
    assert "cdn" not in page.lower()


def test_a_refused_form_shows_the_server_s_total_of_what_was_counted(clerk_client, office):
    data = {
        "token": str(uuid.uuid4()),
        "workstation": "999999",  # no such window: the form comes back
        "count_2": "10",  # $20 bills
        "count_9": "40",  # quarters
        "count_12": "many",  # pennies: not a number
    }

    response = clerk_client.post(reverse("payments:drawer_open"), data)

    assert response.status_code == 200
    assert re.search(r'<output id="float-total"[^>]*>\$210\.00</output>', response.text)
    assert "$200.00</output>" in response.text  # the twenties' row
    assert "Count in whole numbers" in response.text
    assert not Drawer.objects.exists()


def test_the_drawer_opens_with_the_server_s_total(clerk_client, clerk, office):
    data = {
        "token": str(uuid.uuid4()),
        "workstation": window(office, 1).pk,
        "count_0": "3",  # $100 bills
        "count_12": "50",  # pennies
        f"stock_{fee('permit_card').pk}": "40",
    }

    response = clerk_client.post(reverse("payments:drawer_open"), data)

    assert response.status_code == 302
    drawer = Drawer.objects.get(clerk=clerk)
    assert drawer.opening_float == Decimal("300.50")
    assert drawer.stock_counts.get(fee_type=fee("permit_card")).quantity == 40


@pytest.mark.parametrize("count", ["-1", "100001", "1.5", "1e3", "٣"])
def test_a_count_that_is_not_a_whole_number_in_range_is_explained(clerk_client, office, count):
    data = {"token": str(uuid.uuid4()), "workstation": window(office, 1).pk, "count_2": count}

    response = clerk_client.post(reverse("payments:drawer_open"), data)

    assert response.status_code == 200
    assert 'class="col-12 invalid-feedback d-block"' in response.text
    assert not Drawer.objects.exists()


def test_the_drawer_page_names_the_stock_by_the_item(clerk_client, drawer):
    page = clerk_client.get(reverse("payments:drawer")).text

    assert "Trash tag sheets (6 tags)" in page

import pytest

from billing.demo import reference_data_seed
from billing.models import Customer


@pytest.fixture
def reference(chart):
    """Rules, rates, fee types, violation codes and the directory of the demo city."""
    reference_data_seed()


@pytest.fixture
def dana(db):
    return Customer.objects.create(
        name="Dana Whitfield",
        address_line1="212 N Aurora St",
        city="Ithaca",
        state="NY",
        postal_code="14850",
    )

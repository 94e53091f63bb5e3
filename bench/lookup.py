"""One-box lookup and bill import on the large demo city (200,000 accounts, 1,000,000 bills).

Prints bench: lookup_number_p50_ms, lookup_number_p95_ms, lookup_name_p50_ms,
lookup_name_p95_ms (goal: p95 under 20 ms, measured at the service: billing.selectors.search)
and import_rows_per_s (goal: at least 20,000), importing a generated parking file."""

import random
import statistics
import time
from datetime import timedelta

from _setup import report, run_command, scratch_database

SEARCHES = 300
IMPORT_ROWS = 50_000


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))]


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def main() -> None:
    with scratch_database():
        from django.utils import timezone

        from billing.demo import FIRST, LAST
        from billing.models import Bill, Customer, Property, Vehicle, WaterAccount
        from billing.selectors import search
        from billing.services import bill_import
        from ledger.selectors import ledger_violations

        started = time.perf_counter()
        run_command("seed_demo", "--scale", "large")
        print(f"(large demo city seeded in {time.perf_counter() - started:.0f} s)")
        today = timezone.localdate()
        rng = random.Random(11)

        def sample(queryset, field, count=SEARCHES // 4):
            """Random rows, by picking random ids (OFFSET on a million rows would be slow)."""
            low = queryset.order_by("pk").values_list("pk", flat=True).first()
            high = queryset.order_by("-pk").values_list("pk", flat=True).first()
            return [
                queryset.filter(pk__gte=rng.randint(low, high))
                .order_by("pk")
                .values_list(field, flat=True)
                .first()
                for _ in range(count)
            ]

        numbers = (
            sample(Bill.objects.all(), "number")
            + sample(WaterAccount.objects.all(), "number")
            + sample(Property.objects.all(), "parcel_number")
            + sample(Vehicle.objects.all(), "plate")
        )
        # Names of real customers, as a clerk hears them: every fourth with two letters swapped.
        names = sample(Customer.objects.all(), "name", SEARCHES)
        for i in range(0, len(names), 4):
            k = rng.randrange(1, len(names[i]) - 2)
            names[i] = names[i][:k] + names[i][k + 1] + names[i][k] + names[i][k + 2 :]
        for query in numbers[:20] + names[:20]:  # warm-up
            search(query, as_of=today)
        number_ms = [timed(lambda q=q: search(q, as_of=today)) for q in numbers]
        name_ms = [timed(lambda q=q: search(q, as_of=today)) for q in names]
        report("lookup_number_p50_ms", statistics.median(number_ms), "ms")
        report("lookup_number_p95_ms", percentile(number_ms, 95), "ms")
        report("lookup_name_p50_ms", statistics.median(name_ms), "ms")
        report("lookup_name_p95_ms", percentile(name_ms, 95), "ms")

        from django.contrib.auth.models import User

        supervisor = User.objects.get(username="supervisor")
        header = (
            "ticket_number,plate,plate_state,violation_code,issued_on,location,owner_name,"
            "owner_address,owner_city,owner_state,owner_zip\n"
        )
        rows = [
            f"B{i:07d},BN{i % 20000:05d},NY,{rng.choice(['101', '102', '103', '106'])},"
            f"{today - timedelta(days=rng.randint(0, 300))},{rng.randint(1, 9)}00 block State St,"
            f"{rng.choice(FIRST)} {rng.choice(LAST)},{rng.randint(1, 999)} Main St,"
            "Ithaca,NY,14850\n"
            for i in range(IMPORT_ROWS)
        ]
        content = (header + "".join(rows)).encode()
        started = time.perf_counter()
        batch = bill_import(source="parking", filename="bench.csv", content=content, by=supervisor)
        elapsed = time.perf_counter() - started
        assert batch.bills_created == IMPORT_ROWS
        report("import_rows_per_s", IMPORT_ROWS / elapsed, "rows/s")
        assert ledger_violations() == [], "the benchmark left the books inconsistent"


if __name__ == "__main__":
    main()
